"""Model identity: which lab model a host's listing is, decided in one place for every catalogue and price source.

A *listing* is one host's id for a model in one source (`azure` / `gpt-5-nano` in models.dev, `azure/gpt-5-nano`
in LiteLLM, `openai/gpt-5-nano` at OpenRouter). `Resolver.resolve` names the lab model it is, with the rule that
decided it. Evidence is tried strongest first:

1. an editor's decision (the alias table, `catalog.ModelAlias`, exported to content/aliases.yaml);
2. what the source itself says: models.dev `base_model`, a lab named in the id (`anthropic.claude-…`,
   `publishers/google/…`, `@cf/meta/…`, `meta-llama/…`);
3. normalisation against the lab's own models: case and separators (`gpt-4.1` = `GPT_4_1`), host decorations
   (`:free`, `-fp8`, `-maas`, Bedrock's `-v1:0`, Together's `-instruct-turbo`), `-latest`, and a dated snapshot
   id where the lab's model was released on that date; then the name as the host writes it ("OpenAI GPT-5 Nano").

What is only *close* (a base model next to its instruct tune, `gemma4:31b` next to `gemma-4-31b-it`) is never
merged: the listing stays a model of its own and goes to an editor with its candidates. Tokens that tell models
apart (mini, nano, flash, lite, sizes, versions) are never dropped, so they never match across.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

import yaml

from catalog.slugs import model_slug, provider_slug

CONTENT_DIR = Path(__file__).resolve().parent / "content"


# --- Rules kept as data: content/identity.yaml ------------------------------------------------------------


@cache
def rules() -> dict:
    """The curated identity rules: lab spellings, hosts run by a lab, name patterns, offering kinds."""
    with (CONTENT_DIR / "identity.yaml").open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["name_patterns"] = [(re.compile(p), lab) for p, lab in data["name_patterns"].items()]
    return data


def lab_spelling(word: str) -> str | None:
    """Our lab slug for a lab as a source spells it ("meta-llama", "x-ai", "Qwen"), or None."""
    return rules()["lab_spellings"].get(word.lower())


def lab_of_host(host: str) -> str | None:
    """The lab that runs a host of its own (alibaba-cn → alibaba, zai → zhipuai), or None for other hosts."""
    return rules()["host_labs"].get(host)


def lab_from_name(name: str) -> str | None:
    """The lab a model name points to by its own words ("claude-…" → anthropic, "qwen3…" → alibaba)."""
    text = name.lower().lstrip("~")
    for pattern, lab in rules()["name_patterns"]:
        if pattern.match(text):
            return lab
    return None


# --- Normalisation -----------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)")


def tokens(text: str) -> tuple[str, ...]:
    """A model id or name as comparable words: case and separators ignored, "gpt4o" = "gpt-4o" = "GPT 4o"."""
    text = _LETTER_DIGIT.sub("-", text.lower())
    return tuple(t for t in _SPLIT.split(text) if t)


def key(text: str) -> str:
    return "-".join(tokens(text))


# Decorations a host adds to a lab's id that do not make another model.
_ROUTING_SUFFIX = re.compile(r"(:(free|beta|extended|exacto|nitro|floor|online|thinking)|@default|-free)$")
_BEDROCK_VERSION = re.compile(r"(-v\d+)?:\d+$")
_BEDROCK_BARE_VERSION = re.compile(r"-v\d+$")
_QUANTISATION = re.compile(
    r"[-_.](fp8|fp4|fp16|bf16|int4|int8|awq|gptq|w4a16|w8a8|nvfp4|mxfp4|turbo-fp8)$", re.I
)
_HOST_SUFFIX = re.compile(r"-(maas|tput|fw|tee)$", re.I)
_INSTRUCT_TURBO = re.compile(r"-instruct-turbo$", re.I)
_LATEST = re.compile(r"[-:.]latest$", re.I)
_DATE = re.compile(r"[-@_](?P<y>20\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)$")
_REGION = re.compile(r"^(us|eu|apac|jp|au|ca|us-gov|global|global-standard|apne1|use1)[./]", re.I)
_PUBLISHER = re.compile(r"^(projects/[^/]+/locations/[^/]+/)?publishers/(?P<lab>[^/]+)/models/", re.I)
_WORKERS_AI = re.compile(r"^(.*/)?@(cf|hf)/", re.I)


@dataclass(frozen=True)
class ParsedId:
    """What a host's id says: the lab it names (if any), the model part, and what was taken off it."""

    lab: str | None
    core: str
    decorations: tuple[str, ...] = ()
    free: bool = False
    date: dt.date | None = None


@cache
def _without_dashes(hosts: frozenset[str]) -> frozenset[str]:
    """Hosts as ids sometimes spell them ("nanogpt/…" for nano-gpt)."""
    return frozenset(h.replace("-", "") for h in hosts)


@lru_cache(maxsize=65_536)  # a resolution parses each listing more than once (is_labs_own, resolve)
def parse_id(host: str, host_model_id: str, known_hosts: frozenset[str] = frozenset()) -> ParsedId:
    text = host_model_id.strip().lstrip("~")
    decorations: list[str] = []
    free = False
    if m := _ROUTING_SUFFIX.search(text):
        free = m[0].endswith("free")
        decorations.append(m[0])
        text = text[: m.start()]
    text = _WORKERS_AI.sub("", text)
    lab = None
    if m := _PUBLISHER.match(text):
        lab, text = lab_spelling(m["lab"]) or m["lab"].lower(), text[m.end() :]
    # Host or region prefixes first ("us.anthropic.…", "eu/gpt-4o", "openrouter/anthropic/…").
    for _ in range(3):
        if m := _REGION.match(text):
            text = text[m.end() :]
            continue
        head, sep, rest = text.partition("/")
        # Another host named before the id ("novita/glm-4.6" at Poe) routes to it; a host that makes models
        # names its own ("poolside/laguna-m.1"), which only the model's words tell apart.
        spelled_host = head.lower() in known_hosts or head.lower() in _without_dashes(known_hosts)
        is_host = head.lower() in (host, host.replace("-", "")) or (
            spelled_host and lab_from_name(rest) is not None
        )
        if sep and rest and is_host and not lab_spelling(head):
            text = rest
            continue
        break
    # A lab named before the model: "anthropic/…", "meta-llama/…", Bedrock's "anthropic.claude-…".
    for sep in ("/", "."):
        head, found, rest = text.partition(sep)
        if not found or not rest:
            continue
        spelled = lab_spelling(head)
        if spelled:
            lab, text = lab or spelled, rest
            break
        if sep == "/" and re.fullmatch(r"[A-Za-z][\w-]*", head) and not _is_versionish(rest):
            # An organisation's namespace, as on Hugging Face: "TheDrummer/…", "allenai/…".
            lab, text = lab or head.lower(), rest
            break
    text = text.rsplit("/", 1)[-1]
    text = text.removeprefix(rules()["host_prefixes"].get(host, "\0"))
    # A lab or host repeated at the start of the model part: "openai-gpt-5", "databricks-gpt-5-1".
    words = text.split("-")
    for n in (2, 1):
        head, rest = "-".join(words[:n]), "-".join(words[n:])
        rest_lab = lab_from_name(rest) if rest else None
        is_host = head.lower() in (host, host.split("-")[0]) or head.lower() in known_hosts
        if rest_lab and (lab_spelling(head) == rest_lab or is_host):
            lab, text = lab or rest_lab, rest
            break
    patterns = [_BEDROCK_VERSION, _QUANTISATION, _HOST_SUFFIX]
    if host == "amazon-bedrock":
        patterns.insert(1, _BEDROCK_BARE_VERSION)
    for pattern in patterns:
        if m := pattern.search(text):
            decorations.append(m[0])
            text = text[: m.start()]
    if m := _INSTRUCT_TURBO.search(text):
        decorations.append("-turbo")
        text = text[: m.start()] + "-instruct"
    date = None
    if m := _DATE.search(text):
        try:
            date = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            date = None
    return ParsedId(lab=lab, core=text, decorations=tuple(decorations), free=free, date=date)


def _is_versionish(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", text))


def name_core(name: str) -> str:
    """A host's display name without the lab it starts with: "OpenAI: GPT-5.1 Chat", "Zai GLM-4.6" → the model."""
    text = name.strip()
    if (m := re.search(r"\(([^)]+)\)", text)) and (lab_from_name(m[1]) or lab_spelling(m[1].split(" ")[0])):
        text = m[1]  # "Agentic Chat (Claude Opus 4.7)"
    for _ in range(2):
        head, sep, rest = text.partition(":")
        if sep and rest.strip() and " " not in head.strip():
            text = rest.strip()
            continue
        word, sep, rest = text.partition(" ")
        if sep and rest and lab_spelling(word.rstrip(":")) and lab_from_name(rest) is not None:
            text = rest.strip()
            continue
        break
    return text


# --- The index of lab models and the resolver -----------------------------------------------------------------

# Words that a host may add or leave out without naming another model; a match that differs only by these is
# offered to an editor, never merged by itself.
SOFT_WORDS = frozenset({"instruct", "it", "chat", "preview", "exp", "latest", "hf", "base", "online", "0"})


@dataclass(frozen=True)
class Resolution:
    lab: str
    slug: str
    rule: str
    doubtful: bool = False
    candidates: tuple[str, ...] = ()
    evidence: str = ""
    free: bool = False

    def __post_init__(self) -> None:
        # Every model a listing is filed under gets a routable address, whatever the source named (a lab hint
        # "evil/host", an organisation in another script): the resolver's one way out.
        object.__setattr__(self, "lab", provider_slug(self.lab))
        object.__setattr__(self, "slug", model_slug(self.slug))

    @property
    def key(self) -> str:
        return f"{self.lab}/{self.slug}"

    @property
    def key_tuple(self) -> tuple[str, str]:
        return (self.lab, self.slug)


@dataclass(frozen=True)
class Listing:
    """A host's id for a model in one source, with what the source says about it."""

    host: str
    host_model_id: str
    name: str = ""
    lab_hint: str = ""  # a lab the source names for this listing (models.dev base_model)
    model_hint: str = ""  # the lab's own id the source names (models.dev base_model)
    family: str = ""
    source: str = ""


# An editor's decision for a listing: the lab model it is, or None to keep it separate.
Decision = tuple[str, str] | None


@dataclass
class LabIndex:
    """The lab models listings resolve to, by lab and normalised id and name."""

    by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    by_name: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    by_lab: dict[str, dict[tuple[str, ...], str]] = field(default_factory=lambda: defaultdict(dict))
    released: dict[tuple[str, str], dt.date] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, lab: str, slug: str, name: str = "", release_date: dt.date | None = None) -> None:
        words = tokens(slug)
        self.by_key.setdefault((lab, "-".join(words)), slug)
        self.by_lab[lab].setdefault(words, slug)
        if name:
            self.by_name[(lab, key(name_core(name)))].add(slug)
            self.names.setdefault((lab, slug), name)
        if release_date:
            self.released.setdefault((lab, slug), release_date)

    def add_listing(self, lab: str, host_model_id: str, slug: str) -> None:
        """The lab's own id for its model `slug` (Anthropic's claude-sonnet-4-5-20250929 for claude-sonnet-4-5)."""
        self.by_key.setdefault((lab, key(host_model_id)), slug)
        self.by_lab[lab].setdefault(tokens(host_model_id), slug)

    def fold_snapshots(self) -> None:
        """A lab's dated id that the lab names exactly like its undated model ("Claude Sonnet 4.5" for both
        claude-sonnet-4-5-20250929 and claude-sonnet-4-5, "(latest)" aside) is that model: (lab, dated) → undated.
        "GPT-4o (2024-05-13)" is named apart from "GPT-4o", and priced apart, so it stays a model of its own."""
        for (lab, slug), name in list(self.names.items()):
            if not (m := _DATE.search(slug)):
                continue
            undated = self.by_key.get((lab, key(slug[: m.start()])))
            if undated and undated != slug and _same_name(name, self.names.get((lab, undated), "")):
                self.by_key[(lab, key(slug))] = undated
                self.by_lab[lab][tokens(slug)] = undated

    def find(self, lab: str, text: str) -> str | None:
        return self.by_key.get((lab, key(text)))


class Resolver:
    def __init__(
        self,
        index: LabIndex,
        decisions: dict[tuple[str, str], Decision] | None = None,
        labs: Iterable[str] = (),
        hosts: Iterable[str] = (),
    ):
        self.index = index
        self.decisions = decisions or {}
        self.labs = set(labs)  # providers that make models
        self.known_hosts = frozenset(hosts)

    def host_lab(self, host: str) -> str | None:
        return lab_of_host(host) or (host if host in self.labs else None)

    def is_labs_own(self, host: str, host_model_id: str) -> bool:
        """A lab's listing of a model of its own on its own API (openai's gpt-5-nano, not nvidia's meta/llama-…):
        these define the lab's models, so they are indexed and resolved before every other listing."""
        if self.host_lab(host) != host:
            return False
        parsed = parse_id(host, host_model_id, self.known_hosts)
        return parsed.lab in (None, host) and lab_from_name(parsed.core) in (None, host)

    def resolve(self, listing: Listing) -> Resolution:
        parsed = parse_id(listing.host, listing.host_model_id, self.known_hosts)
        found = self._resolve(listing, parsed)
        return replace(found, free=True) if parsed.free else found

    def _resolve(self, listing: Listing, parsed: ParsedId) -> Resolution:
        decision_key = (listing.host, listing.host_model_id)
        if decision_key in self.decisions:
            decided = self.decisions[decision_key]
            if decided is not None:
                return Resolution(*decided, rule="alias", evidence="an editor's decision")
            lab, slug = self._separate(listing, parsed)
            return Resolution(lab, slug, rule="alias-separate", evidence="an editor kept it separate")
        if listing.model_hint:
            lab = lab_spelling(listing.lab_hint) or listing.lab_hint
            slug = self.index.find(lab, listing.model_hint) or model_slug(listing.model_hint)
            evidence = f"the source names {lab}/{listing.model_hint}"
            if extra := hint_contradicted(parsed.core, listing.model_hint):
                # The source's hint names less than the id does ("…-distill-qwen-32b" → deepseek-r1).
                return Resolution(
                    lab,
                    model_slug(parsed.core),
                    rule="doubtful",
                    doubtful=True,
                    candidates=(f"{lab}/{slug}",),
                    evidence=f"{evidence}, but the id also says {', '.join(sorted(extra))}",
                )
            return Resolution(lab, slug, rule="source-hint", evidence=evidence)

        host_lab = self.host_lab(listing.host)
        name = name_core(listing.name) if listing.name else ""
        labs = self.labs_for(listing, parsed, host_lab, name)
        if not labs:
            return Resolution(
                listing.host,
                model_slug(listing.host_model_id),
                rule="unknown-lab",
                evidence="neither the id, the name nor the family names a lab",
            )
        core = parsed.core
        for lab in labs:
            if slug := self.index.find(lab, core):
                rule = "decoration" if parsed.decorations else "own" if lab == host_lab else "normalised"
                if key(core) != key(slug):  # a snapshot the lab names as the model (LabIndex.fold_snapshots)
                    rule = "snapshot"
                return Resolution(lab, slug, rule=rule, evidence=f"{listing.host_model_id} = {lab}/{slug}")
        for lab in labs:
            latest = _LATEST.sub("", core)
            if latest != core and (slug := self.index.find(lab, latest)):
                return Resolution(lab, slug, rule="decoration", evidence=f"-latest of {lab}/{slug}")
            if parsed.date and (slug := self.index.find(lab, _DATE.sub("", core))):
                # A dated id the lab does not list: its undated name may have moved on to a newer snapshot
                # (gpt-4o is not gpt-4o-2024-05-13 any more), so only an editor can say.
                released = self.index.released.get((lab, slug))
                same_day = f", released that day ({released:%Y-%m-%d})" if released == parsed.date else ""
                return Resolution(
                    lab,
                    model_slug(core),
                    rule="doubtful",
                    doubtful=True,
                    candidates=(f"{lab}/{slug}",),
                    evidence=f"a snapshot of {lab}/{slug} dated {parsed.date:%Y-%m-%d}{same_day}",
                )
        for lab in labs if name else ():
            slugs = set(self.index.by_name.get((lab, key(name)), set()))
            if found := self.index.find(lab, name):
                slugs.add(found)
            if len(slugs) == 1:
                slug = next(iter(slugs))
                # The id may say less than the name ("qwen3-coder" named "Qwen3 Coder 480B"), never more.
                if not set(tokens(core)) - set(tokens(name)) - set(tokens(slug)):
                    return Resolution(lab, slug, rule="name", evidence=f'named "{listing.name}"')
        lab = labs[0]
        candidates = self._close(lab, core)
        if candidates:
            differences = sorted(set().union(*(_difference(core, c) for c in candidates)))
            return Resolution(
                lab,
                model_slug(core),
                rule="doubtful",
                doubtful=True,
                candidates=tuple(f"{lab}/{c}" for c in candidates),
                evidence="differs from the candidates only by " + ", ".join(differences),
            )
        rule = "own" if lab == host_lab else "new"
        return Resolution(lab, model_slug(core), rule=rule, evidence=f"a model of {lab} not listed before")

    def labs_for(self, listing: Listing, parsed: ParsedId, host_lab: str | None, name: str) -> list[str]:
        """The labs the listing may belong to, most likely first: one the id names, the source's hint, the
        model's own words, the lab that runs the host, then the host's name and family for the model."""
        by_words = lab_from_name(parsed.core)
        named = parsed.lab if parsed.lab and (lab_spelling(parsed.lab) or parsed.lab in self.labs) else None
        unknown_org = parsed.lab if parsed.lab and not named else None
        ordered = [
            named,
            lab_spelling(listing.lab_hint) if listing.lab_hint else None,
            by_words,
            host_lab,
            lab_from_name(name) if name else None,
            lab_from_name(listing.family) if listing.family else None,
            unknown_org,
        ]
        labs: list[str] = []
        for lab in ordered:
            if lab and lab not in labs:
                labs.append(lab)
        if unknown_org and named is None and by_words is None:
            # "TheDrummer/…": an organisation's own model, unless its words name a lab.
            labs.remove(unknown_org)
            labs.insert(0, unknown_org)
        return labs

    def _separate(self, listing: Listing, parsed: ParsedId) -> tuple[str, str]:
        """Where a listing an editor keeps apart is filed: under its lab, or under its host where the lab's
        model of that name is the one the editor said it is not."""
        lab = parsed.lab or lab_from_name(parsed.core) or self.host_lab(listing.host) or listing.host
        if self.index.find(lab, parsed.core):
            return listing.host, model_slug(listing.host_model_id)
        return lab, model_slug(parsed.core)

    def _close(self, lab: str, core: str) -> list[str]:
        """The lab's models that differ from `core` only by soft words, a date or a missing dash."""
        words = tokens(_DATE.sub("", core)) or tokens(core)
        joined = "".join(words)
        found = []
        for other, slug in self.index.by_lab.get(lab, {}).items():
            if other == words:
                found.append(slug)
                continue
            if "".join(other) == joined:
                found.append(slug)
                continue
            shorter, longer = sorted((words, other), key=len)
            if longer[: len(shorter)] == shorter and set(longer[len(shorter) :]) <= SOFT_WORDS | _date_words(
                longer
            ):
                found.append(slug)
        return sorted(found)[:5]

    def register(self, resolution: Resolution, name: str = "", release_date: dt.date | None = None) -> None:
        """Make a newly created model a candidate for the listings resolved after it."""
        self.index.add(resolution.lab, resolution.slug, name, release_date)


def hint_contradicted(core: str, hint: str) -> set[str]:
    """Words of a host's id that the model a source names for it lacks: a size, a variant, a checkpoint.
    Empty when the id says nothing more than the hint (lab names, host prefixes and soft words aside)."""
    # A snapshot's full date, either side: the source knows which snapshot it is.
    core, hint = _DATE.sub("", core), _DATE.sub("", hint)
    if "".join(tokens(core)) == "".join(tokens(hint)):
        return set()
    said, named = set(tokens(core)), set(tokens(hint))
    # Words either side has that the other lacks, other than soft words, lab names and snapshot numbers: the id
    # saying "distill" or "32b", or the hint saying "5" where the id says claude-sonnet-4.
    extra = (said - named) | {w for w in named - said if not re.fullmatch(r"\d{4,8}", w)}
    return {word for word in extra - SOFT_WORDS if not lab_spelling(word)}


_LATEST_IN_NAME = re.compile(r"\s*\((latest|default)\)\s*$", re.I)


def _same_name(a: str, b: str) -> bool:
    return bool(a and b) and key(_LATEST_IN_NAME.sub("", a)) == key(_LATEST_IN_NAME.sub("", b))


def _date_words(words: tuple[str, ...]) -> set[str]:
    return {w for w in words if re.fullmatch(r"\d{4}|\d{6}|\d{8}|[01]\d|[0-3]\d", w)}


def _difference(a: str, b: str) -> set[str]:
    return (set(tokens(a)) ^ set(tokens(b))) or {"separators"}
