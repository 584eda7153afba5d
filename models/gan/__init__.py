"""Generative adversarial networks: the 2-D lab's MLPs and DCGANs for digits.

    from models import load_checkpoint
    gan = load_checkpoint("checkpoints/mnist-dcgan")
    digits = gan.sample(16, truncation=0.7)        # 16×28×28 in [0, 1]
"""
