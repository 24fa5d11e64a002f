"""The compact 1-D convolutional network (training side: needs PyTorch, the ``[train]`` extra).

Architecture: five strided 1-D convolutions (12 -> 32 -> 48 -> 64 -> 64 -> 64 channels) with batch
normalisation and ReLU, then global average and max pooling and one linear layer to the six outputs:
about 60,000 parameters. It follows the fully convolutional baselines of the PTB-XL benchmark
(Strodthoff et al., IEEE JBHI 25:1519-1528, 2021: inputs at 100 Hz, random crops for training),
scaled down for 500 training records and CPU training. Exported to ONNX (opset 17) with a dynamic
batch axis; inference runs in :mod:`medtandem.ai.model` with onnxruntime only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn


class EcgCnn(nn.Module):
    def __init__(
        self, n_leads: int = 12, n_outputs: int = 6, widths: tuple[int, ...] = (32, 48, 64, 64, 64)
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = n_leads
        kernels = (7, 5, 5, 5, 3)
        strides = (2, 2, 2, 2, 1)
        for c_out, k, s in zip(widths, kernels, strides, strict=True):
            layers += [
                nn.Conv1d(c_in, c_out, k, stride=s, padding=k // 2, bias=False),
                nn.BatchNorm1d(c_out),
                nn.ReLU(),
            ]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(2 * c_in, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        h = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(self.dropout(h))


def n_parameters(model: nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))


@dataclass
class CnnClassifier:
    """scikit-learn style wrapper: ``fit(X, Y)`` on (records, 12, 1000) arrays, ``predict_proba``.

    Training: AdamW (lr 3e-3, weight decay 1e-2), one-cycle schedule, binary cross-entropy with
    positive weights sqrt(neg/pos), fixed number of epochs (no early stopping: deterministic given the
    seed). Augmentation, for robustness to other sites: random 5-s crops, amplitude scaling 0.8-1.2
    (gain error), and Gaussian noise of ``noise_mv`` (standard deviation, mV) on the conditioned input.
    """

    epochs: int = 30
    batch_size: int = 32
    lr: float = 3e-3
    crop: int = 500
    seed: int = 0
    threads: int = 1
    noise_mv: float = 0.02
    model_: EcgCnn | None = None

    def fit(
        self, X: NDArray[np.float32], Y: NDArray[np.integer], seed: int | None = None
    ) -> CnnClassifier:
        """Train on (records, 12, samples) inputs; ``seed`` (default: the ``seed`` field) fixes
        initialisation, batch order, crops and augmentation."""
        if seed is not None:
            self.seed = seed
        if X.ndim != 3 or X.shape[1] != 12:
            raise ValueError(f"X must be (records, 12, samples), got {X.shape}")
        if len(Y) != len(X):
            raise ValueError(f"Y has {len(Y)} rows, X has {len(X)}")
        torch.set_num_threads(self.threads)
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        model = EcgCnn(n_outputs=Y.shape[1])
        pos = np.clip(Y.sum(axis=0), 1, None)
        neg = np.clip(len(Y) - Y.sum(axis=0), 1, None)
        loss_fn = nn.BCEWithLogitsLoss(
            pos_weight=torch.tensor(np.sqrt(neg / pos), dtype=torch.float32)
        )
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=1e-2)
        steps = self.epochs * int(np.ceil(len(X) / self.batch_size))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=steps)
        Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        Yt = torch.from_numpy(np.asarray(Y, dtype=np.float32))
        n, length = len(X), X.shape[2]
        model.train()
        for _ in range(self.epochs):
            order = rng.permutation(n)
            for i in range(0, n, self.batch_size):
                idx = order[i : i + self.batch_size]
                starts = rng.integers(0, length - self.crop + 1, len(idx))
                xb = torch.stack(
                    [Xt[j, :, s : s + self.crop] for j, s in zip(idx, starts, strict=True)]
                )
                xb = xb * torch.from_numpy(
                    rng.uniform(0.8, 1.2, (len(idx), 1, 1)).astype(np.float32)
                )
                if self.noise_mv > 0:
                    xb = xb + torch.from_numpy(
                        (self.noise_mv * rng.normal(size=xb.shape)).astype(np.float32)
                    )
                opt.zero_grad()
                loss = loss_fn(model(xb), Yt[idx])
                loss.backward()
                opt.step()
                sched.step()
        model.eval()
        self.model_ = model
        return self

    def decision_function(self, X: NDArray[np.float32]) -> NDArray[np.float64]:
        if self.model_ is None:
            raise RuntimeError("CnnClassifier is not fitted; call fit() first")
        with torch.no_grad():
            out = [
                self.model_(
                    torch.from_numpy(np.ascontiguousarray(X[i : i + 256], dtype=np.float32))
                )
                for i in range(0, len(X), 256)
            ]
        return torch.cat(out).numpy().astype(np.float64)

    def predict_proba(self, X: NDArray[np.float32]) -> NDArray[np.float64]:
        return np.asarray(1.0 / (1.0 + np.exp(-self.decision_function(X))))

    def predict(
        self, X: NDArray[np.float32], threshold: float | NDArray[np.floating] = 0.5
    ) -> NDArray[np.int8]:
        return (self.predict_proba(X) >= threshold).astype(np.int8)

    def save(self, path: Path) -> None:
        """The weights file of the family: ONNX (see :meth:`export_onnx`)."""
        self.export_onnx(path)

    @property
    def n_parameters(self) -> int:
        assert self.model_ is not None
        return n_parameters(self.model_)

    def export_onnx(self, path: Path, samples: int = 1000) -> None:
        """Write the network to ONNX with a dynamic batch axis (input ``ecg``: batch x 12 x samples)."""
        if self.model_ is None:
            raise RuntimeError("CnnClassifier is not fitted; call fit() first")
        dummy = torch.zeros(1, 12, samples)
        torch.onnx.export(
            self.model_,
            (dummy,),
            str(path),
            input_names=["ecg"],
            output_names=["logits"],
            dynamic_axes={"ecg": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
