"""The classifier's declaration: a tool (Fréchet distances' features), not a tab."""
from ..family import Family, Recipe

# order 15: it has no tab, but it is rebuilt before the GANs, whose checkpoints record
# Fréchet distances in its features
FAMILY = Family(
    name="classifier", title="Digit classifier", order=15,
    checkpoints={"classifier": "models.classifier.model:ClassifierModel"},
    rebuild=f"{__name__}:recipes",
    help="the small CNN whose features the Fréchet distances of the benchmarks and GAN "
         "training use")


def recipes() -> list[Recipe]:
    # not a `playground train` command: build() fits it on the script's dataset
    return [Recipe("classifier", "mnist-classifier", (), 5,
                   "the benchmarks' feature extractor", build=f"{__name__}:build")]


def build(out, data: str) -> int:
    """Fit the classifier on `data` and save it to `out`, reporting each epoch."""
    from ..data import load_dataset
    from ..events import EpochEnd
    from .model import ClassifierTrainConfig, fit

    def report(event) -> None:
        if isinstance(event, EpochEnd):
            print(f"classifier epoch {event.epoch}/{event.epochs}: train loss "
                  f"{event.train_losses['loss']:.4f}, held-out loss {event.test_losses['loss']:.4f}, "
                  f"held-out accuracy {event.test_losses['accuracy']:.2%}", flush=True)

    # 3 epochs of MNIST's 60,000 training digits: 1,407 steps (12 epochs of 8,000 were 756)
    model = fit(load_dataset(data, download=False), train_config=ClassifierTrainConfig(epochs=3),
                on_event=report)
    model.save(out)
    m = model.meta["metrics"]
    print(f"Saved {out} (held-out accuracy {m['test_accuracy']:.2%}, "
          f"train accuracy {m['train_accuracy']:.2%}, {model.meta['train_seconds']:.0f} s)")
    return 0
