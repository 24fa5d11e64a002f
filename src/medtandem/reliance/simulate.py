"""Simulated readers for demonstrations: binormal skill, and a pull toward the AI's output.

A reader's latent evidence for a finding is ``±d/2 + N(0, 1)`` (the binormal model of ROC
analysis; Metz 1978), ``d`` their skill. With the AI shown, the latent is shrunk and pulled toward
the logit of the AI's probability, in proportion to the reader's reliance, so readers follow the AI
when it is wrong as well as when it is right (automation bias; Goddard et al. 2012). The rating is
``100 · sigmoid(1.2 · latent)``. Skill grows and reliance falls with experience, as in the
reader-study literature on novices and experts. Used by the demo loaders only; never for analysis.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from medtandem.reliance.estimates import logit


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@dataclass(frozen=True)
class ReaderProfile:
    """Skill (binormal separation d'), reliance (weight on the AI's logit), speed (time factor)."""

    skill: float
    reliance: float
    speed: float


def reader_profile(years_experience: int | None, rng: random.Random) -> ReaderProfile:
    years = years_experience if years_experience is not None else rng.randint(0, 15)
    skill = 0.8 + 0.12 * min(years, 15) + rng.gauss(0, 0.25)
    reliance = max(0.2, 1.1 - 0.05 * min(years, 15) + rng.gauss(0, 0.15))
    return ReaderProfile(max(0.3, skill), reliance, rng.uniform(0.7, 1.4))


def simulated_rating(
    truth: bool, profile: ReaderProfile, rng: random.Random, ai_probability: float | None
) -> int:
    """A 0-100 rating that the finding is present, with the AI's probability shown or not (None)."""
    d = profile.skill
    latent = (d / 2 if truth else -d / 2) + rng.gauss(0, 1)
    if ai_probability is not None:
        latent = (1 - 0.3 * min(profile.reliance, 1.5)) * latent + profile.reliance * logit(
            ai_probability, 0.01
        )
    return int(round(100 * _sigmoid(1.2 * latent)))
