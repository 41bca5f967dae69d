"""Coded interview segments: a codebook and segments, partly double-coded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.synth._exports import _FIRST, _LAST


def _segments(
    truth: pd.DataFrame, rng: np.random.Generator, n_interviews: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    codebook = pd.DataFrame(
        [
            (
                "needs_funding",
                "Funding gaps",
                "Lack of predictable funding limits the programme",
                "capacity",
            ),
            ("needs_training", "Training needs", "Staff or volunteers need training", "capacity"),
            (
                "access_barriers",
                "Access barriers",
                "Migrants cannot reach services (fear, law, distance)",
                "access",
            ),
            (
                "authorities",
                "Relations with authorities",
                "Cooperation or tension with authorities",
                "environment",
            ),
            (
                "cross_border",
                "Cross-border cooperation",
                "Work with Societies in other countries",
                "cooperation",
            ),
            (
                "data_gaps",
                "Data and information gaps",
                "Missing data on migrants or services",
                "capacity",
            ),
            (
                "volunteer_wellbeing",
                "Volunteer wellbeing",
                "Stress and safety of volunteers",
                "capacity",
            ),
            ("good_practice", "Good practice", "A practice others could learn from", "cooperation"),
        ],
        columns=["code", "label", "description", "theme"],
    )
    pool = truth.sort_values("iso3").reset_index(drop=True)
    pick = rng.choice(len(pool), size=min(n_interviews, len(pool)), replace=False)
    rows = []
    phrases = {
        "needs_funding": "Our migration work depends on one donor and stops when it ends.",
        "needs_training": "Volunteers asked for more training on protection.",
        "access_barriers": "Many migrants are afraid to come to the branch in {city}.",
        "authorities": "The ministry lets us into the reception centre twice a week.",
        "cross_border": "We exchange tracing requests with our neighbours every month.",
        "data_gaps": "Nobody knows how many people cross the border each week.",
        "volunteer_wellbeing": "After the shipwreck our volunteers needed support.",
        "good_practice": "The mobile service point model worked well; {name} can explain it.",
    }
    cities = ["Northport", "Lakeside", "Rivertown", "Hillcrest"]
    for j, k in enumerate(pick):
        iso = str(pool.at[k, "iso3"])
        interview = f"INT{j + 1:03d}"
        double = j < 12
        codes = rng.choice(codebook["code"], size=int(rng.integers(2, 5)), replace=False)
        for seg_no, code in enumerate(codes):
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            text = phrases[code].format(city=rng.choice(cities), name=name)
            rows.append((interview, iso, "coder_a", code, f"[S{seg_no + 1}] {text}"))
            if double:
                second = code if rng.random() < 0.85 else str(rng.choice(codebook["code"]))
                rows.append((interview, iso, "coder_b", second, f"[S{seg_no + 1}] {text}"))
    segments = pd.DataFrame(rows, columns=["interview_id", "ns_iso3", "coder", "code", "segment"])
    return codebook, segments
