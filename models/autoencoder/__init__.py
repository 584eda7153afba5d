"""Autoencoders and VAEs for 28×28 images: the networks (nets), the inference face (api)
and the training job (training).

    from models.autoencoder import AEConfig, AutoencoderModel
"""
from .api import AutoencoderModel
from .nets import AEConfig, Autoencoder, build_model

__all__ = ["AEConfig", "Autoencoder", "AutoencoderModel", "build_model"]
