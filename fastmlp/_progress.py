"""A progress bar over the epochs of a fit, shown when the config asks for one."""

from ._config import get_config


class EpochProgress:
    """tqdm bar over at most ``total`` epochs, with the loss as postfix; a no-op when off."""

    def __init__(self, total: int, description: str):
        self._bar = None
        if not get_config()["progress_bar"]:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError as error:
            raise ImportError(
                "fastmlp's progress bar needs tqdm: pip install 'fastmlp[progress]' "
                "(or turn it off with fastmlp.set_config(progress_bar=False))."
            ) from error
        self._bar = tqdm(total=total, desc=description, unit="epoch", leave=True)

    def update(self, loss: float) -> None:
        """Advance by one epoch and show its loss."""
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{loss:.6g}", refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
