"""The synthetic telecom churn data: generation (seeded, byte-reproducible) and loading.

Schema after the public telco-churn data set. Relationships, the injected bias
and the production drift are documented in data/README.md (the datasheet).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import string
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import SEED, data_dir

N_CUSTOMERS = 7000
TRAIN_MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
PRODUCTION_MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
BATCH_SIZE = 600
DIRTY_ROWS = 240

YES_NO = ["No", "Yes"]
ADDONS = ["OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies"]
CATEGORIES: dict[str, list[str]] = {
    "gender": ["Female", "Male"],
    "Partner": YES_NO,
    "Dependents": YES_NO,
    "PhoneService": YES_NO,
    "MultipleLines": ["No", "No phone service", "Yes"],
    "InternetService": ["DSL", "Fiber optic", "No"],
    **{a: ["No", "No internet service", "Yes"] for a in ADDONS},
    "Contract": ["Month-to-month", "One year", "Two year"],
    "PaperlessBilling": YES_NO,
    "PaymentMethod": ["Bank transfer (automatic)", "Credit card (automatic)", "Electronic check", "Mailed check"],
}
FEATURES = [
    "gender", "SeniorCitizen", "Partner", "Dependents", "tenure", "PhoneService", "MultipleLines",
    "InternetService", *ADDONS, "Contract", "PaperlessBilling", "PaymentMethod", "MonthlyCharges", "TotalCharges",
]
"""The model's input columns (known before the churn outcome)."""
TARGET = "Churn"
LEAKY = "RefundAmount"
"""Refund of prepaid charges, booked when an account closes: known only after churn (lab 04's trap)."""
CUSTOMER_COLUMNS = ["customerID", "month", *FEATURES, LEAKY, TARGET]

DEFECT_CLASSES = [
    "missing_value", "out_of_range", "unknown_category", "duplicate_id",
    "wrong_type", "inconsistent_total", "personal_data",
]
"""The defects injected into the dirty batch; data/dirty_batch_defects.csv lists each with its row."""


@dataclass(frozen=True)
class Bias:
    """Label bias injected into the historical training data (found in lab 07).

    A legacy retention process recorded plan downgrades of senior customers as churn, and a
    call-centre script did the same for a share of female customers: some true non-churners
    in these groups carry the label ``Yes``.
    """

    senior_false_churn: float = 0.18
    female_false_churn: float = 0.06


@dataclass(frozen=True)
class Drift:
    """Drift injected into the production year (found in lab 09)."""

    price_rise: float = 0.15
    """Relative rise of monthly charges from ``price_rise_month`` on (data drift)."""
    price_rise_month: int = 6
    competitor_month: int = 7
    """From this month a competitor's fibre offer pulls fibre customers away (concept drift)."""
    competitor_effect: float = 1.2
    """Added to the churn log-odds of fibre customers once the competitor is in the market."""
    new_customer_shift: float = 0.35
    """From the competitor month, the share of the batch that are recent sign-ups (tenure < 12)."""

    def __post_init__(self) -> None:
        if not 2 <= self.price_rise_month <= self.competitor_month <= len(PRODUCTION_MONTHS):
            raise ValueError("the labs tell a year in which a month or more passes without drift, then prices rise, then "
                             "(or at once) the competitor arrives: need 2 <= price_rise_month <= competitor_month <= 12, "
                             f"got price_rise_month={self.price_rise_month!r}, competitor_month={self.competitor_month!r}")

    @property
    def price_rise_batch(self) -> str:
        """The first production month with the price rise, e.g. ``"2026-06"``."""
        return PRODUCTION_MONTHS[self.price_rise_month - 1]

    @property
    def competitor_batch(self) -> str:
        """The first production month with the competitor in the market, e.g. ``"2026-07"``."""
        return PRODUCTION_MONTHS[self.competitor_month - 1]


@dataclass(frozen=True)
class DataConfig:
    """Everything the generator needs; the defaults make the committed CSVs."""

    seed: int = SEED
    n_customers: int = N_CUSTOMERS
    batch_size: int = BATCH_SIZE
    bias: Bias = field(default_factory=Bias)
    drift: Drift = field(default_factory=Drift)

    def as_dict(self) -> dict:
        """A plain dict, for logging."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> DataConfig:
        """A config from a plain dict such as ``{"seed": 7, "drift": {"price_rise": 0.25}}``; unknown keys are errors."""
        values = dict(values)
        try:
            bias = Bias(**values.pop("bias", {}))
            drift = Drift(**values.pop("drift", {}))
            return cls(bias=bias, drift=drift, **values)
        except TypeError as err:
            raise ValueError(f"bad data config: {err}; allowed keys: seed, n_customers, batch_size, "
                             f"bias {{{', '.join(Bias.__dataclass_fields__)}}}, "
                             f"drift {{{', '.join(Drift.__dataclass_fields__)}}}") from err


TERM_FILE = "config.json"
"""The config of a term generated with other values than the defaults, saved by :func:`write_all` next to the data."""


def term(folder: Path | None = None) -> DataConfig:
    """The config the data in ``folder`` (default: the repo's data/) was generated with: its saved
    :data:`TERM_FILE`, or the defaults when there is none (the shipped data)."""
    path = (Path(folder) if folder is not None else data_dir()) / TERM_FILE
    return DataConfig.from_dict(json.loads(path.read_text())) if path.is_file() else DataConfig()


def month_name(month: str) -> str:
    """The English name of a ``YYYY-MM`` month: ``"June"`` for ``"2026-06"``."""
    return calendar.month_name[int(month[5:7])]


def _customer_ids(rng: np.random.Generator, n: int, taken: set[str] | None = None) -> list[str]:
    taken = set(taken or ())
    letters = np.array(list(string.ascii_uppercase))
    ids: list[str] = []
    while len(ids) < n:
        cid = f"{rng.integers(1000, 10000)}-{''.join(rng.choice(letters, 5))}"
        if cid not in taken:
            taken.add(cid)
            ids.append(cid)
    return ids


def _choice(rng: np.random.Generator, options: list[str], p: list[float], n: int) -> np.ndarray:
    return rng.choice(np.array(options, dtype=object), size=n, p=p)


def _customers(rng: np.random.Generator, n: int, new_share: float = 0.0) -> pd.DataFrame:
    """Customer attributes and charges (no outcome yet)."""
    df = pd.DataFrame(index=range(n))
    df["gender"] = _choice(rng, ["Female", "Male"], [0.5, 0.5], n)
    df["SeniorCitizen"] = (rng.random(n) < 0.16).astype(int)
    df["Partner"] = _choice(rng, YES_NO, [0.52, 0.48], n)
    dep_p = np.where(df["Partner"] == "Yes", 0.5, 0.12)
    df["Dependents"] = np.where(rng.random(n) < dep_p, "Yes", "No")
    contract = _choice(rng, CATEGORIES["Contract"], [0.55, 0.21, 0.24], n)
    df["Contract"] = contract
    base_tenure = np.select(
        [contract == "Month-to-month", contract == "One year"],
        [rng.gamma(1.3, 13, n), rng.uniform(6, 72, n)],
        rng.uniform(15, 72, n) + rng.normal(0, 3, n),
    )
    recent = rng.random(n) < new_share
    base_tenure = np.where(recent, rng.uniform(0, 12, n), base_tenure)
    df["tenure"] = np.clip(np.round(base_tenure), 0, 72).astype(int)
    df["PhoneService"] = _choice(rng, YES_NO, [0.1, 0.9], n)
    multi = np.where(rng.random(n) < 0.45, "Yes", "No")
    df["MultipleLines"] = np.where(df["PhoneService"] == "No", "No phone service", multi)
    df["InternetService"] = _choice(rng, CATEGORIES["InternetService"], [0.34, 0.44, 0.22], n)
    no_net = df["InternetService"] == "No"
    addon_p = {"OnlineSecurity": 0.36, "OnlineBackup": 0.44, "DeviceProtection": 0.44,
               "TechSupport": 0.37, "StreamingTV": 0.49, "StreamingMovies": 0.5}
    for addon, p in addon_p.items():
        longer = p + 0.15 * (df["tenure"] > 24)
        value = np.where(rng.random(n) < longer, "Yes", "No")
        df[addon] = np.where(no_net, "No internet service", value)
    df["PaperlessBilling"] = np.where(rng.random(n) < np.where(no_net, 0.3, 0.65), "Yes", "No")
    pay_p = np.where(contract == "Month-to-month", 0.48, 0.15)
    electronic = rng.random(n) < pay_p
    other = _choice(rng, ["Bank transfer (automatic)", "Credit card (automatic)", "Mailed check"], [0.36, 0.34, 0.30], n)
    df["PaymentMethod"] = np.where(electronic, "Electronic check", other)
    charges = (
        20.0
        + 5.0 * (df["PhoneService"] == "Yes")
        + 5.0 * (df["MultipleLines"] == "Yes")
        + 25.0 * (df["InternetService"] == "DSL")
        + 50.0 * (df["InternetService"] == "Fiber optic")
        + sum(5.0 * (df[a] == "Yes") for a in ADDONS)
        + rng.normal(0, 2.5, n)
    )
    df["MonthlyCharges"] = np.round(np.clip(charges, 18.25, 120.0), 2)
    drift_factor = rng.normal(1.0, 0.04, n)
    df["TotalCharges"] = np.round(df["MonthlyCharges"] * df["tenure"] * drift_factor, 2)
    return df


def _churn_logit(df: pd.DataFrame) -> np.ndarray:
    """The true churn log-odds: the documented relationships of the datasheet."""
    return (
        -1.55
        + 1.30 * (df["Contract"] == "Month-to-month")
        - 1.10 * (df["Contract"] == "Two year")
        - 0.045 * df["tenure"]
        + 0.022 * (df["MonthlyCharges"] - 65)
        + 0.55 * (df["InternetService"] == "Fiber optic")
        + 0.45 * (df["PaymentMethod"] == "Electronic check")
        + 0.25 * (df["PaperlessBilling"] == "Yes")
        - 0.45 * (df["TechSupport"] == "Yes")
        - 0.40 * (df["OnlineSecurity"] == "Yes")
        - 0.25 * (df["Partner"] == "Yes")
        - 0.20 * (df["Dependents"] == "Yes")
    ).to_numpy(dtype=float)


def _outcome(rng: np.random.Generator, df: pd.DataFrame, extra_logit: np.ndarray | float = 0.0) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-(_churn_logit(df) + extra_logit)))
    return rng.random(len(df)) < p


def _refund(rng: np.random.Generator, df: pd.DataFrame, churned: np.ndarray) -> np.ndarray:
    """Refunds: most closing accounts get one; a few billing corrections happen to stayers."""
    n = len(df)
    closing = churned & (rng.random(n) < 0.85)
    correction = ~churned & (rng.random(n) < 0.03)
    amount = np.where(closing, df["MonthlyCharges"] * rng.uniform(0.2, 1.0, n), 0.0)
    amount = np.where(correction, rng.uniform(1, 15, n), amount)
    return np.round(amount, 2)


def make_customers(config: DataConfig = DataConfig()) -> pd.DataFrame:
    """The historical training data: one row per customer observed in a month of 2025."""
    rng = np.random.default_rng([config.seed, 1])
    df = _customers(rng, config.n_customers)
    churned = _outcome(rng, df)
    bias = config.bias
    flip_p = np.where(df["SeniorCitizen"] == 1, bias.senior_false_churn, 0.0)
    flip_p = flip_p + np.where(df["gender"] == "Female", bias.female_false_churn, 0.0)
    recorded = churned | (rng.random(len(df)) < flip_p)
    df[LEAKY] = _refund(rng, df, churned)
    df[TARGET] = np.where(recorded, "Yes", "No")
    df.insert(0, "customerID", _customer_ids(rng, len(df)))
    df.insert(1, "month", np.sort(rng.choice(TRAIN_MONTHS, len(df))))
    return df[CUSTOMER_COLUMNS].reset_index(drop=True)


def make_production(config: DataConfig = DataConfig()) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """A year of monthly scoring batches and their labels (which arrive a month later)."""
    rng = np.random.default_rng([config.seed, 2])
    drift = config.drift
    batches: dict[str, pd.DataFrame] = {}
    labels: dict[str, pd.DataFrame] = {}
    taken: set[str] = set()
    for i, month in enumerate(PRODUCTION_MONTHS, start=1):
        competitor = i >= drift.competitor_month
        df = _customers(rng, config.batch_size, new_share=drift.new_customer_shift if competitor else 0.0)
        if i >= drift.price_rise_month:
            df["MonthlyCharges"] = np.round(df["MonthlyCharges"] * (1 + drift.price_rise), 2)
            df["TotalCharges"] = np.round(df["MonthlyCharges"] * df["tenure"] * rng.normal(1.0, 0.04, len(df)), 2)
        extra = np.where(competitor & (df["InternetService"] == "Fiber optic"), drift.competitor_effect, 0.0)
        churned = _outcome(rng, df, extra)
        ids = _customer_ids(rng, len(df), taken)
        taken.update(ids)
        df.insert(0, "customerID", ids)
        df.insert(1, "month", month)
        batches[month] = df[["customerID", "month", *FEATURES]]
        next_month = PRODUCTION_MONTHS[i] if i < 12 else "2027-01"
        labels[month] = pd.DataFrame(
            {"customerID": ids, "month": month, TARGET: np.where(churned, "Yes", "No"), "label_available": next_month}
        )
    return batches, labels


def make_dirty_batch(config: DataConfig = DataConfig()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One incoming batch with known defects, and the ground-truth list of them (row, column, defect)."""
    rng = np.random.default_rng([config.seed, 3])
    df = _customers(rng, DIRTY_ROWS)
    df.insert(0, "customerID", _customer_ids(rng, len(df)))
    df.insert(1, "month", "2026-01")
    df = df[["customerID", "month", *FEATURES]].astype(object)
    df["notes"] = ""
    defects: list[tuple[int, str, str]] = []
    rows = iter(rng.permutation(len(df)).tolist())

    def take(k: int) -> list[int]:
        return [next(rows) for _ in range(k)]

    for r, col in zip(take(8), ["MonthlyCharges", "tenure", "Contract", "PaymentMethod"] * 2):
        df.at[r, col] = None
        defects.append((r, col, "missing_value"))
    for r, (col, value) in zip(take(6), [("tenure", -3), ("tenure", 240), ("MonthlyCharges", 950.0),
                                         ("MonthlyCharges", -20.0), ("SeniorCitizen", 2), ("tenure", 99)]):
        df.at[r, col] = value
        defects.append((r, col, "out_of_range"))
    for r, (col, value) in zip(take(5), [("Contract", "Monthly"), ("PaymentMethod", "Bitcoin"),
                                         ("InternetService", "5G"), ("gender", "unknown"), ("Contract", "3 year")]):
        df.at[r, col] = value
        defects.append((r, col, "unknown_category"))
    for r, source in zip(take(4), take(4)):
        df.at[r, "customerID"] = df.at[source, "customerID"]
        defects.append((r, "customerID", "duplicate_id"))
        defects.append((source, "customerID", "duplicate_id"))
    for r, (col, value) in zip(take(4), [("tenure", "twelve"), ("MonthlyCharges", "$70.35"),
                                         ("TotalCharges", "n/a"), ("MonthlyCharges", "79,90")]):
        df.at[r, col] = value
        defects.append((r, col, "wrong_type"))
    for r in take(5):
        df.at[r, "TotalCharges"] = round(float(df.at[r, "MonthlyCharges"]) * int(df.at[r, "tenure"]) * 3 + 500, 2)
        defects.append((r, "TotalCharges", "inconsistent_total"))
    pii_notes = [
        "Customer asked to be called back on +1 303-555-0147",
        "Email bill to maria.gonzalez@example.com",
        "Spoke with John Miller, SSN 123-45-6789 verified",
        "New address: 221 Baker Street, Boulder CO 80302",
        "Card ending 4111 1111 1111 1111 declined",
        "Prefers contact at j.smith@example.org or (720) 555-0199",
    ]
    for r, note in zip(take(len(pii_notes)), pii_notes):
        df.at[r, "notes"] = note
        defects.append((r, "notes", "personal_data"))
    harmless = ["Asked about streaming bundle", "Moved to paperless billing", "Router replaced", "Complained about price"]
    for r, note in zip(take(len(harmless)), harmless):
        df.at[r, "notes"] = note
    df.insert(0, "row", range(len(df)))
    truth = pd.DataFrame(defects, columns=["row", "column", "defect"]).sort_values(["row", "column", "defect"])
    return df, truth.reset_index(drop=True)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")


def write_all(out: Path | None = None, config: DataConfig = DataConfig()) -> list[Path]:
    """Generate every data file into ``out`` (default: the repo's data/) and write SHA256SUMS.

    A config other than the defaults is saved as :data:`TERM_FILE` (listed in SHA256SUMS), which :func:`term` and so
    the package and the labs read; the defaults leave no such file (and remove a stale one).
    """
    out = Path(out) if out is not None else data_dir()
    written: list[Path] = []
    _write_csv(make_customers(config), out / "customers.csv")
    written.append(out / "customers.csv")
    batches, labels = make_production(config)
    for month in PRODUCTION_MONTHS:
        for kind, frames in (("batch", batches), ("labels", labels)):
            path = out / "production" / f"{kind}_{month}.csv"
            _write_csv(frames[month], path)
            written.append(path)
    dirty, truth = make_dirty_batch(config)
    _write_csv(dirty, out / "dirty_batch.csv")
    _write_csv(truth, out / "dirty_batch_defects.csv")
    written += [out / "dirty_batch.csv", out / "dirty_batch_defects.csv"]
    saved = out / TERM_FILE
    if config != DataConfig():
        saved.write_text(json.dumps(config.as_dict(), indent=2) + "\n")
        written.append(saved)
    else:
        saved.unlink(missing_ok=True)
    sums = "".join(f"{sha256_file(p)}  {p.relative_to(out).as_posix()}\n" for p in sorted(written))
    (out / "SHA256SUMS").write_text(sums)
    return written


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verify_checksums(folder: Path | None = None) -> dict[str, bool]:
    """Each file named in SHA256SUMS -> whether its bytes still match."""
    folder = Path(folder) if folder is not None else data_dir()
    result = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        path = folder / name
        result[name] = path.is_file() and sha256_file(path) == digest
    return result


def load_customers() -> pd.DataFrame:
    """The historical training data from data/customers.csv."""
    return pd.read_csv(data_dir() / "customers.csv")


def load_batch(month: str) -> pd.DataFrame:
    """The production scoring batch of ``month`` (YYYY-MM, 2026)."""
    return pd.read_csv(_production_file("batch", month))


def load_labels(month: str) -> pd.DataFrame:
    """The churn labels of ``month``'s batch (they become available the month after)."""
    return pd.read_csv(_production_file("labels", month))


def _production_file(kind: str, month: str) -> Path:
    if month not in PRODUCTION_MONTHS:
        raise ValueError(f"No production {kind} for month {month!r}; months are {PRODUCTION_MONTHS[0]}..{PRODUCTION_MONTHS[-1]}")
    return data_dir() / "production" / f"{kind}_{month}.csv"


def load_dirty_batch() -> pd.DataFrame:
    """The dirty batch, read as text so that no defect is hidden by parsing."""
    return pd.read_csv(data_dir() / "dirty_batch.csv", dtype=str, keep_default_na=False)


def load_dirty_defects() -> pd.DataFrame:
    """The documented defects of the dirty batch (row, column, defect)."""
    return pd.read_csv(data_dir() / "dirty_batch_defects.csv")
