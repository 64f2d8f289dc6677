"""The pieces of a fitted model pipeline: the encoding, the forest and the optional calibration."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from retention.errors import ModelIntegrityError
from retention.ml.calibration import Sigmoid, SigmoidForest, Vector

__all__ = ["ForestParts", "Sigmoid", "Vector"]


@dataclass(frozen=True)
class ForestParts:
    """What explanation and fast inference need to see inside a fitted pipeline."""

    encode: ColumnTransformer
    forest: RandomForestClassifier
    calibration: Sigmoid | None

    @classmethod
    def of(cls, pipeline: Pipeline) -> ForestParts:
        """Take a fitted pipeline apart: encode → forest, encode → SigmoidForest, or (versions trained
        before out-of-bag calibration) encode → CalibratedClassifierCV(forest)."""
        encode, last = pipeline.named_steps["encode"], pipeline.steps[-1][1]
        if isinstance(last, RandomForestClassifier):
            return cls(encode=encode, forest=last, calibration=None)
        if isinstance(last, SigmoidForest):
            return cls(encode=encode, forest=last.forest_, calibration=last.sigmoid_)
        if isinstance(last, CalibratedClassifierCV) and len(last.calibrated_classifiers_) == 1:
            calibrated = last.calibrated_classifiers_[0]
            (calibrator,) = calibrated.calibrators
            return cls(
                encode=encode, forest=calibrated.estimator, calibration=Sigmoid(calibrator.a_, calibrator.b_)
            )
        raise ModelIntegrityError(
            "the artifact is not an encode → forest (→ one sigmoid calibration) pipeline"
        )

    def calibrate(self, raw: Vector) -> Vector:
        """The final probability from the forest's own average of leaf probabilities."""
        return raw if self.calibration is None else self.calibration(raw)
