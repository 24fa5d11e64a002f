import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")


def test_network_is_compact_and_onnx_matches_pytorch(tmp_path):
    import onnxruntime as ort

    from medtandem.ai.cnn import CnnClassifier, EcgCnn, n_parameters

    assert n_parameters(EcgCnn()) <= 100_000
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 12, 1000)).astype(np.float32)
    Y = (rng.random((16, 6)) < 0.3).astype(int)
    clf = CnnClassifier(epochs=1, batch_size=8).fit(X, Y)
    path = tmp_path / "m.onnx"
    clf.export_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(
        session.run(None, {"ecg": X[:4]})[0], clf.decision_function(X[:4]), atol=1e-4
    )


def test_training_is_deterministic_with_a_seed():
    from medtandem.ai.cnn import CnnClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 12, 1000)).astype(np.float32)
    Y = (rng.random((8, 6)) < 0.5).astype(int)
    a = CnnClassifier(epochs=1, batch_size=4, seed=3).fit(X, Y).decision_function(X)
    b = CnnClassifier(epochs=1, batch_size=4, seed=3).fit(X, Y).decision_function(X)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_wrong_input_shape_is_named():
    from medtandem.ai.cnn import CnnClassifier

    with pytest.raises(ValueError, match="records, 12, samples"):
        CnnClassifier(epochs=1).fit(np.zeros((4, 1000), np.float32), np.zeros((4, 6)))
