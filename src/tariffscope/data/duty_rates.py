"""Parse the rate-of-duty text of the Harmonized Tariff Schedule of the United States (HTSUS).

A rate of duty in the HTSUS is written as text: ``Free``, an ad valorem rate (``2.5%``), a specific
rate (``4.4¢/kg``, ``$1.035/kg``, ``0.9¢ each``), or a compound rate that adds them
(``1.1¢/kg + 2.5%``, ``36¢ each + 5.6% + 2¢/jewel``). Some rates carry a basis (``37.5¢/kg on
drained weight``), a qualifier (the sliding sugar scale ``3.6606¢/kg less 0.020668¢/kg for each
degree under 100 degrees ...``) or a reference to another provision (``The rate applicable to ...``),
which cannot be turned into numbers. :func:`parse_duty_rate` turns the text into a :class:`DutyRate`.

>>> rate = parse_duty_rate("1.1¢/kg + 2.5%")
>>> rate.kind, rate.ad_valorem, rate.specific[0].amount, rate.specific[0].unit
('compound', 0.025, 0.011, 'kg')
>>> rate.duty(customs_value=1000.0, quantity=100.0)
26.1
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from tariffscope.errors import InputError

__all__ = [
    "DutyRate",
    "RateKind",
    "SpecificComponent",
    "parse_duty_rate",
    "parse_special_rates",
]

RateKind = Literal["free", "ad_valorem", "specific", "compound", "other", "none"]

Quantity = float | Mapping[str, float]


@dataclass(frozen=True)
class SpecificComponent:
    """One specific part of a rate of duty: an amount of money per unit of quantity.

    Parameters
    ----------
    amount : float
        US dollars per unit (``4.4¢/kg`` gives ``0.044``).
    unit : str
        The unit the amount is charged on, normalised: ``'kg'``, ``'liter'``, ``'pf.liter'``
        (proof liter), ``'No.'`` (each, per head, per article), ``'doz.'``, ``'pr.'``, ``'gross'``,
        ``'gr.lines'`` (per line per gross), ``'thousand'``, ``'m'``, ``'m2'``, ``'m3'``, ``'t'``,
        ``'bbl'``, ``'jewel'``, ``'piece'``. Units not in this list are kept as written.
    basis : str or None
        What the quantity is measured on when it is not the goods themselves, as written in the
        schedule: ``'on drained weight'``, ``'on contents and container'``, ``'of total sugars'``,
        ``'on lead content'``, ``'clean kg'``, ``'over 7'`` (jewels over seven), ``None`` otherwise.
        A quantity given for such a component must be measured on that basis.

    Examples
    --------
    >>> SpecificComponent(0.375, "kg", "on drained weight")
    SpecificComponent(amount=0.375, unit='kg', basis='on drained weight')
    """

    amount: float
    unit: str
    basis: str | None = None


@dataclass(frozen=True)
class DutyRate:
    """A parsed rate of duty.

    Parameters
    ----------
    text : str
        The rate as written in the schedule.
    kind : {'free', 'ad_valorem', 'specific', 'compound', 'other', 'none'}
        ``'compound'`` has both an ad valorem and a specific part; ``'other'`` is text that does not
        state a rate in numbers (see `note`); ``'none'`` is an empty cell.
    ad_valorem : float
        The ad valorem part as a fraction of the customs value (``0.025`` for 2.5%); ``0.0`` when
        there is none, including for ``'other'`` and ``'none'``.
    specific : tuple of SpecificComponent
        The specific parts, in the order written.
    note : str or None
        What the numbers leave out: a qualifier or cap, an ad valorem part charged on part of the
        value (watch cases, straps, batteries), special-programme indicators, or, for ``'other'``,
        that the text is unparsed.

    Examples
    --------
    >>> parse_duty_rate("Free")
    DutyRate(text='Free', kind='free', ad_valorem=0.0, specific=(), note=None)
    """

    text: str
    kind: RateKind
    ad_valorem: float = 0.0
    specific: tuple[SpecificComponent, ...] = ()
    note: str | None = None

    @property
    def is_computable(self) -> bool:
        """Whether the rate states its duty in numbers (every kind but ``'other'`` and ``'none'``)."""
        return self.kind not in ("other", "none")

    def _specific_duty(self, quantity: Quantity | None) -> float | None:
        """Sum of amount × quantity over the specific parts, or None if a quantity is missing."""
        if not self.specific:
            return 0.0
        if quantity is None:
            return None
        total = 0.0
        for component in self.specific:
            if isinstance(quantity, Mapping):
                if component.unit not in quantity:
                    return None
                q = float(quantity[component.unit])
            else:
                q = float(quantity)
            _check_non_negative("quantity", q)
            total += component.amount * q
        return total

    def ad_valorem_equivalent(
        self, customs_value: float | None = None, quantity: Quantity | None = None
    ) -> float | None:
        """The ad valorem equivalent (AVE) of this rate, as a fraction of the customs value.

        Parameters
        ----------
        customs_value : float, optional
            Customs value of the goods in USD. Needed only when the rate has a specific part.
        quantity : float or mapping of unit to float, optional
            Quantity of the goods in the unit of each specific part. A single number is used for
            every specific part; a mapping such as ``{'No.': 10, 'jewel': 170}`` gives one quantity
            per unit. Needed only when the rate has a specific part.

        Returns
        -------
        float or None
            ``0.0`` for a free rate and the rate itself for a pure ad valorem rate, whatever the
            value; ``None`` when the rate has a specific part and the value or a quantity is
            missing or the value is zero, and for ``'other'`` and ``'none'``.

        Raises
        ------
        InputError
            If `customs_value` or a quantity is negative.

        Notes
        -----
        The AVE is the duty divided by the customs value:

        .. math:: AVE = \\frac{t_{av} V + \\sum_k s_k q_k}{V}

        where :math:`t_{av}` is the ad valorem rate, :math:`V` the customs value, and :math:`s_k`
        and :math:`q_k` the amount and quantity of specific part :math:`k`. A 50¢/kg rate on goods
        worth $10/kg has an AVE of 0.50 / 10 = 5%.

        Examples
        --------
        >>> parse_duty_rate("50¢/kg").ad_valorem_equivalent(customs_value=10.0, quantity=1.0)
        0.05
        >>> parse_duty_rate("2.5%").ad_valorem_equivalent()
        0.025
        >>> parse_duty_rate("4.4¢/kg").ad_valorem_equivalent() is None
        True
        """
        if customs_value is not None:
            _check_non_negative("customs_value", customs_value)
        if self.kind in ("other", "none"):
            return None
        if self.kind == "free":
            return 0.0
        if not self.specific:
            return self.ad_valorem
        if customs_value is None or customs_value == 0:
            return None
        specific = self._specific_duty(quantity)
        if specific is None:
            return None
        return (self.ad_valorem * customs_value + specific) / customs_value

    def duty(self, customs_value: float, quantity: Quantity | None = None) -> float:
        """The duty in USD on goods of the given customs value and quantity.

        Parameters
        ----------
        customs_value : float
            Customs value of the goods in USD.
        quantity : float or mapping of unit to float, optional
            Quantity in the unit of each specific part (see :meth:`ad_valorem_equivalent`);
            required when the rate has a specific part.

        Returns
        -------
        float
            Ad valorem rate × value + Σ amount × quantity.

        Raises
        ------
        InputError
            If the rate is ``'other'`` or ``'none'``, a needed quantity is missing, or a value or
            quantity is negative.

        Examples
        --------
        >>> parse_duty_rate("2.5%").duty(40_000.0)
        1000.0
        >>> parse_duty_rate("90¢/pr. + 20%").duty(100.0, quantity=10)
        29.0
        """
        _check_non_negative("customs_value", customs_value)
        if not self.is_computable:
            raise InputError(
                f"Rate of duty {self.text!r} does not state a duty in numbers (kind {self.kind!r}); "
                "look up the provision it refers to and use that rate instead"
            )
        specific = self._specific_duty(quantity)
        if specific is None:
            units = ", ".join(sorted({c.unit for c in self.specific}))
            raise InputError(
                f"Rate of duty {self.text!r} has a specific part, so the duty needs a quantity; "
                f"got {quantity!r}; pass quantity= in {units}"
            )
        return self.ad_valorem * customs_value + specific


def _check_non_negative(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{name} must be a finite number >= 0; got {value!r}")


# --- the grammar ---------------------------------------------------------------------------------

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+"

# A footnote marker such as the "1/" in "25% 1/": digits and a slash standing alone.
_FOOTNOTE = re.compile(r"(?:^|(?<=\s))\d{1,2}/(?=\s|$)")

# A trailing list of special-programme indicators: "Free (A+,AU,BH, ...)".
_PROGRAMS = re.compile(
    r"^(?P<rate>.*?)\s*\((?P<programs>[A-Z][A-Z0-9]*[+*]?(?:\s*,\s*[A-Z][A-Z0-9]*[+*]?)*)\)$"
)

# Where a qualifier starts: the rest of the text is kept in the note, not turned into numbers.
_QUALIFIER = re.compile(r",\s*(?=but\b|under\b|for\b|including\b|if\b)|\s+(?=less\s)|\s+(?=but\s)")

_FREE = re.compile(r"^free$", re.IGNORECASE)

# "33 1/3%" appears in column 2: a whole number and a vulgar fraction.
_AD_VALOREM = re.compile(
    rf"^(?P<number>{_NUMBER})(?:\s+(?P<numerator>\d+)/(?P<denominator>\d+))?\s*(?:%|percent\b)"
    r"\s*(?P<basis>(?:on|of)\b.*)?$"
)

# Units written with a space or a slash inside them come first so the single-word rule cannot cut them.
_UNIT_WORDS = r"clean kg|line/gross|pf\.\s?liters?|lin\.\s?m|1,?000(?:\s+pins)?|[A-Za-z0-9][\w.²³]*"

_SPECIFIC = re.compile(
    rf"^(?:\$\s*(?P<dollars>{_NUMBER})|(?P<cents>{_NUMBER})\s*¢)\s*"
    rf"(?:/(?P<unit>{_UNIT_WORDS})|(?P<each>each)\b|for\s+each\s+(?P<each_of>.+?)$)"
    r"\s*(?P<basis>(?:on|of|over)\b.*)?$"
)

_UNITS: dict[str, str] = {
    "kg": "kg",
    "clean kg": "kg",
    "g": "g",
    "t": "t",
    "liter": "liter",
    "liters": "liter",
    "pf.liter": "pf.liter",
    "pf.liters": "pf.liter",
    "pf. liter": "pf.liter",
    "pf. liters": "pf.liter",
    "each": "No.",
    "head": "No.",
    "article": "No.",
    "no.": "No.",
    "doz.": "doz.",
    "pr.": "pr.",
    "prs.": "pr.",
    "gross": "gross",
    "line/gross": "gr.lines",
    "1000": "thousand",
    "1,000": "thousand",
    "thousand": "thousand",
    "1000 pins": "thousand",
    "1,000 pins": "thousand",
    "m": "m",
    "lin.m": "m",
    "lin. m": "m",
    "m2": "m2",
    "m²": "m2",
    "m3": "m3",
    "m³": "m3",
    "bbl": "bbl",
    "jewel": "jewel",
}

# The part of a written unit that says what is counted rather than how: kept as the basis.
_UNIT_BASIS: dict[str, str] = {"clean kg": "clean kg", "1000 pins": "pins", "1,000 pins": "pins"}


def _to_fraction(number: str, divisor: int) -> float:
    """Exact decimal arithmetic, so '4.4' cents gives 0.044 and not 0.044000000000000004."""
    return float(Decimal(number.replace(",", "")) / divisor)


def _clean(text: str) -> str:
    text = text.replace("\xa0", " ").replace("\u2009", " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = _FOOTNOTE.sub("", text)
    # Line-break hyphens of the printed schedule ("$2.50/thou- sand") and a stray trailing slash.
    text = re.sub(r"(?<=[a-z])- (?=[a-z])", "", text)
    text = re.sub(r"\s*/$", "", text)
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text


def _parse_specific(term: str) -> SpecificComponent | None:
    match = _SPECIFIC.match(term)
    if match is None:
        return None
    if match["dollars"] is not None:
        amount = _to_fraction(match["dollars"], 1)
    else:
        amount = _to_fraction(match["cents"], 100)
    basis = match["basis"]
    if match["each"] is not None:
        unit = "No."
    elif match["each_of"] is not None:
        unit = "piece"
        basis = match["each_of"]
    else:
        written = match["unit"]
        key = written.lower()
        unit = _UNITS.get(key, written)
        if key in _UNIT_BASIS:
            qualifier = _UNIT_BASIS[key]
            basis = qualifier if basis is None else f"{qualifier} {basis}"
    return SpecificComponent(amount=amount, unit=unit, basis=basis.strip() if basis else None)


def _unparsed(text: str, why: str) -> DutyRate:
    return DutyRate(text=text, kind="other", note=f"unparsed rate text ({why}); kept as written")


@lru_cache(maxsize=8192)
def _parse(text: str) -> DutyRate:
    cleaned = _clean(text)
    if not cleaned:
        return DutyRate(text=text, kind="none")
    notes: list[str] = []

    programs = _PROGRAMS.match(cleaned)
    if programs is not None:
        cleaned = programs["rate"].strip()
        indicators = ",".join(p.strip() for p in programs["programs"].split(","))
        notes.append(f"special programs: {indicators}")

    qualifier = _QUALIFIER.search(cleaned)
    if qualifier is not None:
        tail = cleaned[qualifier.end() :].strip()
        if tail.startswith("less "):
            # The raw-sugar scale: the rate written first applies at 100 degrees and is the highest.
            tail = f"top of a sliding scale, {tail}"
        notes.append(tail)
        cleaned = cleaned[: qualifier.start()].strip()

    terms = [t.strip() for t in cleaned.split("+")]
    if len(terms) == 1 and _FREE.match(terms[0]):
        return DutyRate(text=text, kind="free", note="; ".join(notes) or None)

    ad_valorem_parts: list[tuple[float, str, str | None]] = []
    specific: list[SpecificComponent] = []
    for term in terms:
        av = _AD_VALOREM.match(term)
        if av is not None:
            percent = Decimal(av["number"].replace(",", ""))
            if av["numerator"] is not None:
                percent += Decimal(av["numerator"]) / Decimal(av["denominator"])
            ad_valorem_parts.append((float(percent / 100), term, av["basis"]))
            continue
        component = _parse_specific(term)
        if component is None:
            return _unparsed(text, f"no rate in {term!r}")
        specific.append(component)

    ad_valorem = 0.0
    if ad_valorem_parts:
        ad_valorem = ad_valorem_parts[0][0]
        if len(ad_valorem_parts) > 1:
            # Watches and rifles charge different ad valorem rates on different parts of the
            # article; one number cannot hold them, so the first (the principal part) is kept.
            parts = "; ".join(written for _, written, _ in ad_valorem_parts)
            notes.insert(0, f"ad valorem parts on different bases: {parts}; ad_valorem holds the first")
        elif ad_valorem_parts[0][2] is not None:
            notes.insert(0, f"ad valorem basis: {ad_valorem_parts[0][2]}")

    if specific and ad_valorem_parts:
        kind: RateKind = "compound"
    elif specific:
        kind = "specific"
    else:
        kind = "ad_valorem"
    return DutyRate(
        text=text,
        kind=kind,
        ad_valorem=ad_valorem,
        specific=tuple(specific),
        note="; ".join(notes) or None,
    )


def parse_duty_rate(text: str | None, strict: bool = False) -> DutyRate:
    """Parse one rate of duty as written in the HTSUS.

    Parameters
    ----------
    text : str or None
        The rate, e.g. ``'Free'``, ``'2.5%'``, ``'4.4¢/kg'``, ``'$1.035/kg + 14.9%'``,
        ``'37.5¢/kg on drained weight'``, ``'25% 1/'`` (footnote markers are dropped),
        ``'Free (A+,AU,BH)'`` (the programme indicators go to the note). ``None`` or blank text
        gives kind ``'none'``.
    strict : bool, default False
        Raise instead of returning kind ``'other'`` for text that is not a rate.

    Returns
    -------
    DutyRate
        Kind ``'other'`` (with ``ad_valorem`` 0.0 and a note saying the text is unparsed) for text
        such as ``'The rate applicable to ...'`` when not `strict`.

    Raises
    ------
    InputError
        If `strict` and the text is not a rate.

    Notes
    -----
    Text after a qualifier (``', but ...'``, ``' less ...'``, ``', under bond ...'``) is kept in
    the note and the rate before it is parsed: the sugar rate ``3.6606¢/kg less 0.020668¢/kg for
    each degree under 100 degrees ...`` parses as 3.6606¢/kg, the rate at 100 degrees and the
    highest on the scale. When several ad valorem rates apply to different parts of an article
    (``30¢ each + 6.9% on the case + 5.3% on the battery``) ``ad_valorem`` holds the first and the
    note lists all of them.

    Examples
    --------
    >>> parse_duty_rate("$1.035/kg + 14.9%").specific
    (SpecificComponent(amount=1.035, unit='kg', basis=None),)
    >>> parse_duty_rate("37.5¢/kg on drained weight").specific[0].basis
    'on drained weight'
    >>> parse_duty_rate("The rate applicable to the natural juice in heading 2009").kind
    'other'
    >>> parse_duty_rate("").kind
    'none'
    """
    if text is None:
        return DutyRate(text="", kind="none")
    rate = _parse(text)
    if strict and rate.kind == "other":
        raise InputError(
            f"Rate of duty {text!r} is not a rate this parser understands; a rate is 'Free', 'n%', "
            "'n¢/unit', '$n/unit', 'n¢ each' or a sum of these joined by '+'; "
            "use strict=False to keep such text as kind 'other'"
        )
    return rate


_SPECIAL_GROUP = re.compile(r"(?P<rate>[^()]+?)\s*\((?P<programs>[^)]*)\)")


def parse_special_rates(text: str | None) -> dict[str, DutyRate]:
    """Parse the Special column into a rate per special-programme indicator.

    Parameters
    ----------
    text : str or None
        The Special rate of duty, e.g. ``'Free (A+,AU,BH) 3% (JP)'``.

    Returns
    -------
    dict of str to DutyRate
        Indicator (``'A+'``, ``'AU'``, ``'JP'``, ...) to its rate; empty for blank text or text
        without indicators (e.g. ``'No change'``).

    Examples
    --------
    >>> rates = parse_special_rates("Free (A,AU,BH) 3.5% (JP)")
    >>> rates["AU"].kind, rates["JP"].ad_valorem
    ('free', 0.035)
    """
    if not text:
        return {}
    result: dict[str, DutyRate] = {}
    for group in _SPECIAL_GROUP.finditer(_clean(text)):
        rate = parse_duty_rate(group["rate"].strip())
        for indicator in group["programs"].split(","):
            indicator = indicator.strip()
            if indicator:
                result[indicator] = rate
    return result
