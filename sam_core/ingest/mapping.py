"""Mapping real exports onto the contract: which sheet each is, where its header row is, which
column means what, which of its values mean which allowed value, and how to finish what the
export lacks.

`propose` suggests a mapping (exact name, the user's remembered choices, alias or a best guess,
each labelled); `apply` turns a raw sheet and a confirmed mapping into a raw sheet the validator
reads as if it had been written in the template. A mapping can also fill a required column the
file lacks with one value (or a copy of another column), generate ids from each row's content,
and skip rows that lack a required value or give them a stated default.

Mappings are remembered per user and source (sheet name and set of headers) as they are made,
so a re-upload of a fixed file, or next month's export, maps itself; an admin may publish one
for everyone. An exact contract header always wins over a remembered choice.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import duckdb
import polars as pl
import yaml

from sam_core.access.permissions import User, ensure
from sam_core.errors import NotFound, SamError
from sam_core.ingest import contract as c
from sam_core.ingest.reader import PendingSheet, RawSheet
from sam_core.ingest.validation import ROW, header_row_of
from sam_core.store import WRITE_LOCK, transaction

IGNORE = ""  # the target of a column (or sheet) the user chose to leave out
KEEP = "(keep aside)"  # the target of a column the contract does not know: kept with each row, reported
EXACT, ALIAS, GUESS, REMEMBERED, UNKNOWN = "exact", "alias", "guess", "remembered", "not in the contract"
GUESS_CUTOFF = 0.8  # a spelling must be closer than this to count as a guess
_NAME_KEYS = {"account", "customer", "company", "client", "accountname", "customername", "companyname"}
_FIELDS = ("values", "fill", "copies", "generate", "skip", "defaults")


@dataclass
class SheetMapping:
    """How one sheet of an upload maps onto the contract."""

    file_name: str
    source_sheet: str
    sheet: str  # contract sheet name, or IGNORE
    header_row: int  # the Excel row of the header
    columns: dict[str, str] = field(default_factory=dict)  # source header -> contract column, KEEP or IGNORE
    how: dict[str, str] = field(
        default_factory=dict
    )  # source header -> exact / alias / guess / remembered / ...
    values: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # contract column -> {source value: allowed}
    fill: dict[str, str] = field(
        default_factory=dict
    )  # contract column the file lacks -> one value for all rows
    copies: dict[str, str] = field(
        default_factory=dict
    )  # contract column the file lacks -> source header to copy
    generate: dict[str, list[str]] = field(
        default_factory=dict
    )  # id column -> contract columns it is made from
    skip: list[str] = field(
        default_factory=list
    )  # columns whose empty cells skip the row (listed in the report)
    defaults: dict[str, str] = field(default_factory=dict)  # column -> value for its empty cells
    origin: str = ""  # where a remembered mapping came from, for the user to see
    shared: bool = False  # someone else's, published for everyone

    @property
    def signature(self) -> str:
        return source_signature(self.source_sheet, list(self.columns))

    def provided(self) -> set[str]:
        """Contract columns this mapping gives a value: mapped, filled, copied or generated."""
        mapped = {t for t in self.columns.values() if t not in (KEEP, IGNORE)}
        return mapped | set(self.fill) | set(self.copies) | set(self.generate)

    def missing_required(self) -> list[str]:
        """Required columns of the target sheet that nothing provides."""
        sheet = c.SHEETS_BY_NAME.get(self.sheet)
        if sheet is None:
            return []
        provided = self.provided()
        return [col.name for col in sheet.columns if col.required and col.name not in provided]

    def to_dict(self) -> dict:
        out = {
            "source_sheet": self.source_sheet,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": dict(self.columns),
        }
        out.update({name: getattr(self, name) for name in _FIELDS if getattr(self, name)})
        return out

    @classmethod
    def from_dict(cls, data: dict, *, file_name: str = "") -> SheetMapping:
        known = {"source_sheet", "sheet", "header_row", "columns", "how", "origin", "file_name", *_FIELDS}
        extra = set(data) - known
        if extra:
            raise ValueError(f"unknown keys {', '.join(sorted(extra))}")
        return cls(
            file_name=file_name or str(data.get("file_name", "")),
            source_sheet=str(data["source_sheet"]),
            sheet=str(data.get("sheet") or ""),
            header_row=int(data.get("header_row", 1)),
            columns={str(k): str(v or "") for k, v in (data.get("columns") or {}).items()},
            how=dict(data.get("how") or {}),
            values={
                str(k): {str(a): str(b) for a, b in v.items()} for k, v in (data.get("values") or {}).items()
            },
            fill={str(k): str(v) for k, v in (data.get("fill") or {}).items()},
            copies={str(k): str(v) for k, v in (data.get("copies") or {}).items()},
            generate={str(k): [str(x) for x in v] for k, v in (data.get("generate") or {}).items()},
            skip=[str(x) for x in data.get("skip") or []],
            defaults={str(k): str(v) for k, v in (data.get("defaults") or {}).items()},
            origin=str(data.get("origin", "")),
        )


def source_signature(sheet_name: str, headers: list[str]) -> str:
    """Identifies a recurring export: its sheet name and set of headers, normalised."""
    key = c.normalise_name(sheet_name) + "|" + ",".join(sorted(c.normalise_name(h) for h in headers))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def headers_of(raw: RawSheet | PendingSheet, header_row: int | None = None) -> tuple[int, list[str]]:
    """(Excel row of the header, header texts): found, or at the row the user named."""
    index = header_row_of(raw.cells) if header_row is None else header_row - raw.first_row
    if index is None or index < 0 or index >= raw.cells.height:
        return (raw.first_row if header_row is None else header_row), []
    return raw.first_row + index, [h for h in raw.cells.row(index) if h is not None]


def _guess_column(sheet: c.Sheet, header: str) -> c.Column | None:
    """A contract column spelt closely like the header (strictly closer than GUESS_CUTOFF)."""
    key = c.normalise_name(header)
    best, best_ratio = None, GUESS_CUTOFF
    for column in sheet.columns:
        for name in (column.name, *column.aliases):
            ratio = difflib.SequenceMatcher(None, key, c.normalise_name(name)).ratio()
            if ratio > best_ratio:
                best, best_ratio = column, ratio
    return best


def _guess_sheet(raw_name: str, headers: list[str]) -> c.Sheet | None:
    """The contract sheet whose columns the headers match best: at least two columns, one of
    them required. Sheets named like instructions are never proposed."""
    if c.is_instructions(raw_name):
        return None
    best, best_score = None, 1
    for sheet in c.SHEETS:
        columns = {m.name: m for h in headers if (m := c.match_column(sheet, h)) is not None}
        if len(columns) > best_score and any(m.required for m in columns.values()):
            best, best_score = sheet, len(columns)
    return best


def _best_remembered(name: str, headers: list[str], remembered: list[SheetMapping]) -> SheetMapping | None:
    """The remembered mapping of this source (first in `remembered` order), else the one of a
    close source: the same sheet with a column added or renamed."""
    signature = source_signature(name, headers)
    for saved in remembered:
        if saved.signature == signature:
            return saved
    mine = {c.normalise_name(h) for h in headers}
    best, best_score = None, 0.0
    for saved in remembered:
        theirs = {c.normalise_name(h) for h in saved.columns}
        overlap = len(mine & theirs) / max(len(mine | theirs), 1)
        same_name = c.normalise_name(saved.source_sheet) == c.normalise_name(name)
        if overlap > best_score and ((same_name and overlap >= 0.5) or overlap >= 0.8):
            best, best_score = saved, overlap
    return best


def propose(
    raw: RawSheet | PendingSheet,
    remembered: list[SheetMapping] | None = None,
    *,
    header_row: int | None = None,
    sheet: str | None = None,
    me: str = "",
    fill_gaps: bool = True,
) -> SheetMapping:
    """A mapping for `raw`: exact contract names first, then the remembered choices for this
    source (or a close one), aliases, and close spellings offered as guesses. Required columns
    the file lacks get a proposal where one is safe: the account manager is `me`, an account
    name copies the account column, an id is generated from the row's content (unless `fill_gaps`
    is False: a scripted load does only what a remembered mapping or a mapping file says)."""
    row, headers = headers_of(raw, header_row)
    saved = _best_remembered(raw.name, headers, remembered or []) if sheet is None else None
    if saved is not None:
        target = c.SHEETS_BY_NAME.get(saved.sheet)
    elif sheet is not None:
        target = c.SHEETS_BY_NAME.get(sheet)
    elif (
        c.is_instructions(raw.name)
        or c.match_plan_sheet(raw.name) is not None
        or c.match_users_sheet(raw.name)
    ):
        # instructions, a plan sheet (loaded on the Account plan page) or the Users sheet (on the
        # Administration page): never guessed
        target = None
    else:
        target = c.match_sheet(raw.name) or _guess_sheet(raw.name, headers)
    mapping = SheetMapping(raw.file_name, raw.name, target.name if target else IGNORE, row)
    mapping.columns = dict.fromkeys(headers, KEEP)
    mapping.how = dict.fromkeys(headers, UNKNOWN)
    if target is None:
        return mapping
    taken: set[str] = set()

    def assign(header: str, column: str, how: str) -> None:
        mapping.columns[header], mapping.how[header] = column, how
        if column not in (KEEP, IGNORE):
            taken.add(column)

    settled: set[str] = set()
    for header in headers:  # an exact contract header always wins
        column = c.match_column(target, header, exact=True)
        if column is not None and column.name not in taken:
            assign(header, column.name, EXACT)
            settled.add(header)
    if saved is not None:
        for header in headers:
            choice = saved.columns.get(header)
            if header in settled or choice is None or choice in taken:
                continue
            if choice in (KEEP, IGNORE) or choice in target.column_names:
                assign(header, choice, REMEMBERED)
                settled.add(header)
        mapping.origin = saved.origin
        for name in _FIELDS:
            setattr(mapping, name, json.loads(json.dumps(getattr(saved, name))))
        mapping.copies = {k: v for k, v in mapping.copies.items() if v in mapping.columns}
        if saved.shared and me and "account_manager" in mapping.fill:
            mapping.fill["account_manager"] = me  # a published mapping fills in whoever uses it
    for header in headers:
        if header in settled:
            continue
        column, how = c.match_column(target, header), ALIAS
        if column is None and not target.extra_columns_are_questions:
            column, how = _guess_column(target, header), GUESS
        if column is not None and column.name not in taken:
            assign(header, column.name, how)
    _propose_gaps(mapping, target, me, fill_gaps)
    return mapping


def _propose_gaps(mapping: SheetMapping, target: c.Sheet, me: str, fill: bool) -> None:
    mapped = {t: h for h, t in mapping.columns.items() if t not in (KEEP, IGNORE)}
    for name in list(mapping.fill) + list(mapping.copies) + list(mapping.generate):
        if name in mapped:  # the file has the column now: it wins
            mapping.fill.pop(name, None)
            mapping.copies.pop(name, None)
            mapping.generate.pop(name, None)
    for name in mapping.missing_required() if fill else []:
        column = target.column(name)
        if name == "account_manager" and me:
            mapping.fill[name] = me
        elif name == "account_name" and c.normalise_name(mapped.get("account_id", "")) in _NAME_KEYS:
            mapping.copies[name] = mapped["account_id"]  # an export keyed by the account's name
        elif column.kind == c.ID and name in target.key and target.natural_key:
            mapping.generate[name] = [k for k in target.natural_key if k != name]


def generated_id(values: list[str | None]) -> str:
    """The id made from a row's identifying values: stable across exports for the same values."""
    key = "\x1f".join(" ".join((v or "").lower().split()) for v in values)
    return "G-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def apply(raw: RawSheet, mapping: SheetMapping) -> RawSheet | None:
    """The raw sheet as the template would hold it: header at the top, headers renamed to
    contract columns, left-out columns dropped (columns kept aside stay, to be reported), values
    mapped, the file's gaps filled, rows without a value that skips them blanked (and listed in
    `skipped`), ids generated. None for an ignored sheet."""
    if mapping.sheet == IGNORE:
        return None
    sheet = c.SHEETS_BY_NAME[mapping.sheet]
    index = mapping.header_row - raw.first_row
    cells = raw.cells.slice(max(index, 0))
    if cells.height == 0:
        return replace(raw, name=mapping.sheet, cells=cells, first_row=mapping.header_row, mapped=True)
    header = list(cells.row(0))
    plain = index == 0 and not any(getattr(mapping, name) for name in _FIELDS)
    if plain and all(mapping.columns.get(h) == h for h in header if h is not None):
        return replace(raw, name=mapping.sheet, mapped=True)  # the template's own layout: nothing to do
    body = cells.slice(1).cast(pl.String)
    columns: list[list] = []  # [name, values]
    for i, text in enumerate(header):
        target = KEEP if text is None else mapping.columns.get(text, KEEP)
        if target == IGNORE:
            continue  # the user chose to leave it out
        if target != KEEP:
            name = target
        elif text is not None and c.match_column(sheet, text, exact=True):
            name = f"{text} (kept aside)"  # kept aside: never read as the column it is named like
        else:
            name = text
        columns.append([name, body[f"c{i}"]])
    where = {name: k for k, (name, _) in enumerate(columns) if name in sheet.column_names}

    def put(name: str, values: pl.Series) -> None:
        if name in where:
            columns[where[name]][1] = values
        else:
            where[name] = len(columns)
            columns.append([name, values])

    empty = body.select(pl.all_horizontal(pl.all().is_null()).alias("e"))["e"] if body.width else None
    if empty is None:
        empty = pl.Series("e", [True] * body.height)
    for name, source in mapping.copies.items():
        if name not in where and name in sheet.column_names and source in header:
            put(name, body[f"c{header.index(source)}"])
    for name, value in mapping.fill.items():
        if name not in where and name in sheet.column_names:
            put(name, pl.Series(name, [value] * body.height, dtype=pl.String))
    for name, value in mapping.defaults.items():
        if name in where:
            put(name, columns[where[name]][1].fill_null(value))
    for name, replacements in mapping.values.items():
        if name in where and replacements:
            put(name, _map_values(columns[where[name]][1], sheet.column(name), replacements))
    skip = pl.Series("s", [False] * body.height)
    skipped = []
    for name in mapping.skip:
        if name not in where:
            continue
        hit = columns[where[name]][1].is_null() & ~empty & ~skip
        if hit.any():
            rows = pl.int_range(body.height, eager=True).filter(hit) + mapping.header_row + 1
            skipped.append(pl.DataFrame({ROW: rows.cast(pl.Int64), "column": [name] * len(rows)}))
        skip = skip | hit
    blank = empty | skip
    for name, key in mapping.generate.items():
        if name not in where and name in sheet.column_names:
            parts = [columns[where[k]][1] for k in key if k in where] or [v for _, v in columns]
            put(name, _generated_ids(parts, blank))
    data = pl.DataFrame([values.alias(f"c{j}") for j, (_, values) in enumerate(columns)])
    if data.width and skip.any():
        data = data.with_columns(
            pl.when(pl.lit(skip)).then(None).otherwise(pl.col(col)).alias(col) for col in data.columns
        )
    if data.width:
        data = data.with_columns(
            pl.when(pl.lit(empty)).then(None).otherwise(pl.col(col)).alias(col) for col in data.columns
        )
    head = pl.DataFrame([pl.Series(f"c{j}", [name], dtype=pl.String) for j, (name, _) in enumerate(columns)])
    result = pl.concat([head, data.cast(pl.String)]) if columns else head
    return RawSheet(
        raw.file_name,
        mapping.sheet,
        result,
        mapping.header_row,
        mapped=True,
        skipped=pl.concat(skipped) if skipped else None,
    )


def _map_values(values: pl.Series, column: c.Column, replacements: dict[str, str]) -> pl.Series:
    """Source values replaced by the allowed values they mean; a value that already is an
    allowed value (or a known spelling of one) keeps its meaning."""
    known = {c.normalise_value(a) for a in column.allowed} | {k for k, _ in column.value_aliases}
    lookup = {c.normalise_value(k): v for k, v in replacements.items() if c.normalise_value(k) not in known}
    if not lookup:
        return values
    norm = (
        values.str.strip_chars().str.to_lowercase().str.replace_all(r"[^0-9a-z]+", "_").str.strip_chars("_")
    )
    return (
        pl.select(
            pl.when(pl.lit(norm).is_in(list(lookup)))
            .then(pl.lit(norm).replace_strict(lookup, default=None))
            .otherwise(pl.lit(values))
        )
        .to_series()
        .alias(values.name)
    )


def _generated_ids(parts: list[pl.Series], empty: pl.Series) -> pl.Series:
    """One id per row from its identifying values; a repeat of the same values in the file gets
    -2, -3... in file order, so each export numbers them alike."""
    rows = zip(*[p.to_list() for p in parts], strict=True)
    ids = [generated_id(list(r)) for r in rows]
    seen: dict[str, int] = {}
    out = []
    for value, blank in zip(ids, empty.to_list(), strict=True):
        if blank:
            out.append(None)
            continue
        seen[value] = seen.get(value, 0) + 1
        out.append(value if seen[value] == 1 else f"{value}-{seen[value]}")
    return pl.Series(out, dtype=pl.String)


def unknown_values(raw: RawSheet, mapping: SheetMapping) -> dict[str, list[str]]:
    """Per mapped choice column, the distinct source values that are not allowed values
    (nor their known spellings): candidates for a value mapping."""
    sheet = c.SHEETS_BY_NAME.get(mapping.sheet)
    if sheet is None:
        return {}
    unmapped = replace(mapping, values={})
    applied = apply(raw, unmapped)
    if applied is None or applied.cells.height < 2:
        return {}
    header = list(applied.cells.row(0))
    out = {}
    for i, name in enumerate(header):
        if name not in sheet.column_names or sheet.column(name).kind != c.CHOICE:
            continue
        column = sheet.column(name)
        known = {c.normalise_value(a) for a in column.allowed} | {k for k, _ in column.value_aliases}
        values = applied.cells[f"c{i}"].slice(1).drop_nulls().unique().sort().to_list()
        strange = [v for v in values if c.normalise_value(v) not in known]
        if strange:
            out[name] = strange[:50]
    return out


def empty_counts(raw: RawSheet, mapping: SheetMapping) -> dict[str, int]:
    """Per required contract column the file maps, how many data rows leave it empty."""
    sheet = c.SHEETS_BY_NAME.get(mapping.sheet)
    if sheet is None:
        return {}
    bare = replace(mapping, skip=[], defaults={}, generate={})
    applied = apply(raw, bare)
    if applied is None or applied.cells.height < 2:
        return {}
    header = list(applied.cells.row(0))
    body = applied.cells.slice(1)
    filled = body.select(pl.any_horizontal(pl.all().is_not_null()).alias("any"))["any"]
    out = {}
    for i, name in enumerate(header):
        if name in sheet.column_names and sheet.column(name).required:
            n = int((body[f"c{i}"].is_null() & filled).sum())
            if n:
                out[name] = n
    return out


# -- remembering mappings, per user ------------------------------------------------


def remembered_mappings(con: duckdb.DuckDBPyConnection, user: User) -> list[SheetMapping]:
    """The user's own mappings (newest first), then those an admin published for everyone."""
    rows = con.execute(
        """SELECT mapping, owner, published, saved_at FROM mappings
           WHERE owner = ? OR published ORDER BY owner <> ?, saved_at DESC""",
        [user.username, user.username],
    ).fetchall()
    out = []
    for text, owner, published, saved_at in rows:
        mapping = SheetMapping.from_dict(json.loads(text))
        when = saved_at.strftime("%Y-%m-%d") if saved_at else ""
        mapping.origin = (
            f"your mapping of {when}" if owner == user.username else f"published by {owner} on {when}"
        ) + (" (published for everyone)" if published and owner == user.username else "")
        mapping.shared = owner != user.username
        out.append(mapping)
    return out


def remember(
    con: duckdb.DuckDBPyConnection, mappings: list[SheetMapping], *, user: User, now: datetime | None = None
) -> int:
    """Save the user's mappings (each replacing the user's earlier one for the same source);
    returns how many changed. Ignored sheets with no choice made are not saved."""
    ensure(user, "upload")
    stamp = (now or datetime.now(UTC)).replace(tzinfo=None)
    changed = 0
    with WRITE_LOCK, transaction(con):
        for m in mappings:
            text = json.dumps(m.to_dict(), sort_keys=True)
            before = con.execute(
                "SELECT mapping FROM mappings WHERE owner = ? AND signature = ?", [user.username, m.signature]
            ).fetchall()
            if before and before[0][0] == text:
                continue
            con.execute(
                "DELETE FROM mappings WHERE owner = ? AND signature = ?", [user.username, m.signature]
            )
            con.execute(
                "INSERT INTO mappings VALUES (?, ?, ?, ?, ?, ?)",
                [user.username, m.signature, m.source_sheet, text, False, stamp],
            )
            changed += 1
    return changed


def publish(
    con: duckdb.DuckDBPyConnection, mapping: SheetMapping, *, user: User, published: bool = True
) -> None:
    """An admin offers their mapping of a source to everyone (a user's own mapping still wins)."""
    ensure(user, "publish_mapping")
    remember(con, [mapping], user=user)
    with WRITE_LOCK, transaction(con):
        found = con.execute(
            "UPDATE mappings SET published = ? WHERE owner = ? AND signature = ? RETURNING 1",
            [published, user.username, mapping.signature],
        ).fetchall()
    if not found:
        raise NotFound(f"There is no mapping of sheet '{mapping.source_sheet}' to publish.")


# -- mapping files (YAML), for scripted loads ----------------------------------------


def mappings_yaml(mappings: list[SheetMapping]) -> str:
    """The mappings as a YAML file for `python -m sam_core load --mapping FILE`."""
    body = {"sam_mappings": 1, "sheets": [m.to_dict() for m in mappings]}
    return (
        "# Mapping of an export onto the workbook contract, saved by the Data upload page.\n"
        "# Use it with: python -m sam_core load EXPORT.xlsx --mapping THIS.yaml\n"
        + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
    )


def mappings_from_yaml(text: str, *, origin: str = "the mapping file") -> list[SheetMapping]:
    """Mappings read back from `mappings_yaml`; SamError naming what is wrong otherwise."""
    try:
        data = yaml.safe_load(text) or {}
        sheets = data["sheets"] if isinstance(data, dict) else None
        if not isinstance(sheets, list):
            raise ValueError("it has no 'sheets' list")
        out = []
        for i, entry in enumerate(sheets, start=1):
            try:
                mapping = SheetMapping.from_dict(entry)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ValueError(f"sheet entry {i}: {exc}") from exc
            if mapping.sheet and mapping.sheet not in c.SHEETS_BY_NAME:
                raise ValueError(f"sheet entry {i}: '{mapping.sheet}' is not a contract sheet")
            mapping.origin = origin
            out.append(mapping)
        return out
    except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        raise SamError(
            f"{origin} is not a mapping file ({exc}); download one from the Data upload page."
        ) from exc


def described(mapping: SheetMapping) -> list[str]:
    """What the mapping does beyond renaming columns, in words (for the page and the CLI)."""
    out = [f"{name} = '{value}' for every row" for name, value in mapping.fill.items()]
    out += [f"{name} copies column '{source}'" for name, source in mapping.copies.items()]
    out += [f"{name} generated from {', '.join(key)}" for name, key in mapping.generate.items()]
    out += [f"rows without {name} are skipped" for name in mapping.skip]
    out += [f"empty {name} becomes '{value}'" for name, value in mapping.defaults.items()]
    return out
