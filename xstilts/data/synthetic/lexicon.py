"""The latent concept inventory and the per-language lexicons of the artificial language family.

English ("en") uses real English words.  The other four languages get lexicons that are
generated from their own character inventories by a random stream derived from the family
seed, so the family (and therefore every dataset) is a deterministic function of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ._rng import make_rng

LANGUAGES: tuple[str, ...] = ("en", "xa", "xb", "xc", "xd")

# --------------------------------------------------------------------------------------
# Latent concepts (English is the base rendering)
# --------------------------------------------------------------------------------------

NOUN_CLASSES = ("person", "animal", "thing", "food", "place")
ANIMATE = frozenset({"person", "animal"})

# "sg" or "sg:pl"; synonyms separated by "|"; the first singular form is the concept id.
_NOUN_SPEC = {
    "person": "farmer teacher doctor|physician child:children|kid:kids student baker sailor "
    "artist driver singer writer nurse soldier king queen",
    "animal": "dog cat horse bird fox fish:fish",
    "thing": "book car|automobile letter stone boat|ship table window door key song "
    "film|movie picture|painting box:boxes chair ball ring cup bottle lamp map coin shirt "
    "phone bag ticket computer newspaper",
    "food": "apple cake egg orange potato:potatoes banana pie cookie",
    "place": "house|home garden school market shop|store city:cities village bridge "
    "road|street river forest lake mountain park kitchen station hospital bank factory harbor",
}


def _plural(sg: str) -> str:
    if sg.endswith(("s", "x", "ch", "sh")):
        return sg + "es"
    if sg.endswith("y") and sg[-2] not in "aeiou":
        return sg[:-1] + "ies"
    return sg + "s"


@dataclass(frozen=True)
class Noun:
    id: str
    forms: tuple[tuple[str, str], ...]  # English (singular, plural) per synonym variant
    cls: str

    @property
    def animate(self) -> bool:
        return self.cls in ANIMATE


def _parse_nouns() -> dict[str, Noun]:
    out: dict[str, Noun] = {}
    for cls, spec in _NOUN_SPEC.items():
        for entry in spec.split():
            forms = []
            for variant in entry.split("|"):
                sg, _, pl = variant.partition(":")
                forms.append((sg, pl or _plural(sg)))
            out[forms[0][0]] = Noun(forms[0][0], tuple(forms), cls)
    return out


NOUNS: dict[str, Noun] = _parse_nouns()


@dataclass(frozen=True)
class Verb:
    id: str
    forms: tuple[tuple[str, str, str], ...]  # English (base, past, participle) per variant
    objects: tuple[str, ...]  # allowed object noun ids
    obj_names: tuple[str, ...]  # entity types allowed as object names ("PER", "LOC", "ORG")
    subj: str  # "p" person, "pa" person/animal, "po" person/organisation
    sentiment: int = 0


# (variants "base/past/part|...", objects (classes or noun ids), object name types, subj, sent.)
_VERB_SPEC = [
    ("see/saw/seen|spot/spotted/spotted", "person animal thing food place", "PER LOC ORG", "pa", 0),
    ("find/found/found", "person animal thing food", "PER", "pa", 0),
    ("lose/lost/lost", "animal thing", "", "po", 0),
    ("buy/bought/bought|purchase/purchased/purchased", "thing food", "ORG", "po", 0),
    ("sell/sold/sold", "thing food", "ORG", "po", 0),
    ("take/took/taken|grab/grabbed/grabbed", "thing food", "", "pa", 0),
    ("carry/carried/carried", "thing food animal", "", "pa", 0),
    ("open/opened/opened", "door window box book bottle bag letter", "", "p", 0),
    ("close/closed/closed", "door window box book bottle bag letter", "", "p", 0),
    ("eat/ate/eaten", "food", "", "pa", 0),
    ("cook/cooked/cooked", "food fish", "", "p", 0),
    ("write/wrote/written", "letter book song", "", "p", 0),
    ("read/read/read", "letter book map newspaper", "", "p", 0),
    ("send/sent/sent", "letter book picture ticket box newspaper", "", "po", 0),
    (
        "build/built/built|construct/constructed/constructed",
        "house bridge boat car table chair school computer phone",
        "",
        "po",
        0,
    ),
    ("break/broke/broken", "thing", "", "pa", 0),
    ("fix/fixed/fixed|repair/repaired/repaired", "thing", "", "po", 0),
    ("drop/dropped/dropped", "thing food", "", "pa", 0),
    ("catch/caught/caught", "ball fish bird fox", "", "pa", 0),
    ("keep/kept/kept", "thing animal", "", "po", 0),
    ("help/helped/helped", "person animal", "PER ORG", "po", 0),
    ("call/called/called", "person animal", "PER ORG", "po", 0),
    ("visit/visited/visited", "person place", "PER LOC ORG", "p", 0),
    ("watch/watched/watched|observe/observed/observed", "person animal film", "PER", "pa", 0),
    ("wash/washed/washed", "thing animal food", "", "p", 0),
    ("paint/painted/painted", "thing house bridge school", "", "p", 0),
    ("push/pushed/pushed", "thing animal", "", "pa", 0),
    ("pull/pulled/pulled", "thing animal", "", "pa", 0),
    ("love/loved/loved|adore/adored/adored", "person animal thing food place", "PER LOC", "p", 1),
    ("like/liked/liked", "person animal thing food place", "PER LOC ORG", "p", 1),
    ("enjoy/enjoyed/enjoyed", "film song book cake pie cookie picture", "", "p", 1),
    ("dislike/disliked/disliked", "person animal thing food place", "PER LOC ORG", "p", -1),
    ("hate/hated/hated|detest/detested/detested", "person animal thing food place", "PER", "p", -1),
    ("fear/feared/feared", "person animal", "PER ORG", "pa", -1),
]


def _parse_verbs() -> dict[str, Verb]:
    out: dict[str, Verb] = {}
    for forms_spec, objs, names, subj, sent in _VERB_SPEC:
        forms = tuple(tuple(v.split("/")) for v in forms_spec.split("|"))
        objects: list[str] = []
        for o in objs.split():
            if o in NOUN_CLASSES:
                objects.extend(n.id for n in NOUNS.values() if n.cls == o)
            else:
                assert o in NOUNS, o
                objects.append(o)
        vid = forms[0][0]
        out[vid] = Verb(vid, forms, tuple(dict.fromkeys(objects)), tuple(names.split()), subj, sent)
    return out


VERBS: dict[str, Verb] = _parse_verbs()

ANTONYMS: dict[str, str] = {}
for _a, _b in [
    ("buy", "sell"),
    ("open", "close"),
    ("find", "lose"),
    ("push", "pull"),
    ("love", "hate"),
    ("like", "dislike"),
    ("fix", "break"),
]:
    ANTONYMS[_a] = _b
    ANTONYMS[_b] = _a

# cause verb -> effect verb, with the objects the pair is used with (same subject, same object)
CAUSAL_LINKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("drop", "break", ("cup", "bottle", "lamp", "phone", "computer")),
    ("break", "fix", ("car", "lamp", "phone", "computer", "chair", "table")),
    ("build", "sell", ("house", "boat", "car", "computer", "phone", "table", "chair")),
    ("paint", "sell", ("picture", "house", "car", "chair", "table")),
    ("buy", "eat", ("apple", "cake", "orange", "banana", "pie", "cookie")),
    ("cook", "eat", ("egg", "potato", "fish", "pie", "cake")),
    ("wash", "eat", ("apple", "orange", "banana", "potato")),
    ("catch", "cook", ("fish",)),
    ("buy", "keep", ("cup", "bottle", "ring", "lamp", "map", "picture")),
    ("find", "keep", ("coin", "ring", "key", "map", "cat", "dog", "cup")),
    ("write", "send", ("letter", "book")),
    ("open", "read", ("letter", "book", "newspaper")),
    ("buy", "read", ("newspaper", "book", "map")),
)


@dataclass(frozen=True)
class Adjective:
    id: str
    forms: tuple[str, ...]
    applies: str  # "animate" | "inanimate" | "any"
    sentiment: int = 0
    group: str = ""

    def fits(self, noun: Noun) -> bool:
        if self.applies == "any":
            return True
        return (self.applies == "animate") == noun.animate


# (forms, applies to, sentiment, group); an NP never has two adjectives of the same group
_ADJ_SPEC = [
    ("big|large", "any", 0, "size"),
    ("small|little", "any", 0, "size"),
    ("old", "any", 0, "age"),
    ("new", "inanimate", 0, "age"),
    ("young", "animate", 0, "age"),
    ("red", "inanimate", 0, "colour"),
    ("green", "inanimate", 0, "colour"),
    ("blue", "inanimate", 0, "colour"),
    ("warm", "inanimate", 0, "temperature"),
    ("cold", "inanimate", 0, "temperature"),
    ("dark", "inanimate", 0, "light"),
    ("bright", "inanimate", 0, "light"),
    ("quick|fast", "animate", 0, "speed"),
    ("slow", "animate", 0, "speed"),
    ("happy|glad", "animate", 1, "mood"),
    ("sad", "animate", -1, "mood"),
    ("kind", "animate", 1, "character"),
    ("cruel", "animate", -1, "character"),
    ("good", "any", 1, "quality"),
    ("bad", "any", -1, "quality"),
    ("wonderful|great", "any", 1, "quality"),
    ("terrible|awful", "any", -1, "quality"),
    ("beautiful", "any", 1, "beauty"),
    ("ugly", "any", -1, "beauty"),
]

ADJECTIVES: dict[str, Adjective] = {}
for _forms, _applies, _sent, _group in _ADJ_SPEC:
    _f = tuple(_forms.split("|"))
    ADJECTIVES[_f[0]] = Adjective(_f[0], _f, _applies, _sent, _group)

# adposition -> (English form, allowed object noun ids, allowed name types)
_PLACES = tuple(n.id for n in NOUNS.values() if n.cls == "place")
_PEOPLE = tuple(n.id for n in NOUNS.values() if n.cls in ANIMATE)
ADPOSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "in": (_PLACES, ("LOC",)),
    "near": (_PLACES, ("LOC",)),
    "behind": (_PLACES + ("car", "door", "table"), ()),
    "from": (_PLACES, ("LOC",)),
    "to": (_PLACES, ("LOC",)),
    "on": (("table", "chair", "bridge", "box", "road", "boat"), ()),
    "under": (("table", "chair", "bridge", "box", "car"), ()),
    "with": (_PEOPLE, ("PER",)),
}
# adpositions that locate an event at a place (used for "where" questions)
LOCATIVE = ("in", "near")

ADVERBS: tuple[str, ...] = ("yesterday", "today", "later", "again")
PRONOUNS: dict[str, tuple[str, str]] = {
    "he": ("he", "him"),
    "she": ("she", "her"),
    "they": ("they", "them"),
}

# English function words (the same keys are generated for every other language)
FUNCTION_WORDS_EN: dict[str, str] = {
    "DEF": "the",
    "INDEF": "a",
    "DEM": "this",
    "DEM_PL": "these",
    "NEG": "not",
    "DID": "did",
    "AND": "and",
    "BUT": "but",
    "BY": "by",
    "COP_PRES": "is",
    "COP_PRES_PL": "are",
    "COP_PAST": "was",
    "COP_PAST_PL": "were",
    "WHO": "who",
    "WHAT": "what",
    "WHERE": "where",
    "HOWMANY": "how many",
}

# --------------------------------------------------------------------------------------
# Proper names (shared anchors).  Person and organisation names are identical strings in all
# languages; place names are transliterated into the script of xb, xc and xd.
# --------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Anna Ben Clara David Eva Felix Greta Hugo Ida Jonas Karin Leo Maria Nils Olga Paul Rosa "
    "Samuel Tina Victor Lena Omar Yusuf Mei Ravi"
).split()
SURNAMES = (
    "Berg Holm Stone Meyer Novak Costa Lind Frost Kowal Sato Weber Moreau Ortiz Khan Dahl".split()
)
ORG_PREFIXES = (
    "Nova Delta Orion Apex Silver Atlas Vega Polar Zenith Summit Crown Falcon Echo Lotus Cobalt"
).split()
# organisation kind (a noun id) -> name suffixes
ORG_KINDS: dict[str, tuple[str, ...]] = {
    "bank": ("Bank", "Capital"),
    "factory": ("Motors", "Steel"),
    "hospital": ("Clinic", "Health"),
    "newspaper": ("Press", "Times"),
    "school": ("Academy", "College"),
    "shop": ("Stores", "Foods"),
}
PLACE_NAMES = (
    "Lumen Varna Korvik Tessa Morrow Elbridge Dunmore Aston Calder Fenwick Harlow Ivel Jorvik "
    "Kestrel Larch Marlow Norrin Ossing Pellam Quarry Rendal Selby Tarn Ulwick Venn Wexley Yarrow "
    "Zell Brisk Colm"
).split()
PLACE_PREFIXES = ("North", "South", "New", "Port", "Upper")
PLACE_KINDS = ("city", "village", "harbor")
# "international" nouns: the English stem in every language (Latin script everywhere, like
# brand names; suffixes attach after a hyphen in the non-Latin scripts)
INTERNATIONAL = ("computer", "phone", "film", "movie", "bank")
PROFESSIONS = (
    "farmer teacher doctor student baker sailor artist driver singer writer nurse soldier".split()
)

# --------------------------------------------------------------------------------------
# Language specifications
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LangSpec:
    code: str
    name: str
    script: str
    order: str  # "SVO" | "SOV" | "VSO"
    adj: str  # "pre" | "post"
    adpos: str  # "pre" (prepositions) | "post" (postpositions)
    articles: str  # "words" | "none" (no definite/indefinite article) | "def-suffix"
    question: str  # "front" | "in-situ"
    adverb: str  # "end" | "start"
    obj_case: bool  # accusative suffix on the object noun phrase
    consonants: tuple[str, ...] = ()
    vowels: tuple[str, ...] = ()
    codas: tuple[str, ...] = ()
    p_coda: float = 0.3
    cognate_rate: float = 0.0  # words derived from English by regular sound changes
    shared_rate: float = 0.0  # words identical to English (shared vocabulary)
    translit_places: bool = False
    morphology: str = ""


SPECS: dict[str, LangSpec] = {
    "en": LangSpec(
        "en",
        "English",
        "Latin",
        "SVO",
        "pre",
        "pre",
        "words",
        "front",
        "end",
        False,
        morphology="plural -s (some irregular), past tense, do-support for negation and "
        "questions, pronoun case (he/him), copula agreement, passive (only used by toy-qqp)",
    ),
    "xa": LangSpec(
        "xa",
        "Xa (close relative of English)",
        "Latin",
        "SVO",
        "pre",
        "pre",
        "words",
        "front",
        "end",
        False,
        consonants=tuple("bdfgklmnprstvz"),
        vowels=tuple("aeiou"),
        codas=tuple("nrsl"),
        p_coda=0.3,
        cognate_rate=0.35,
        shared_rate=0.35,
        morphology="plural -s/-es; negation particle before the verb; questions front the "
        "question word and invert verb and subject; a close relative of English: ~1/3 of the "
        "words (function words included) are identical to English, ~1/3 are cognates with "
        "regular sound changes (vowel shift, c/k, w/v, ...)",
    ),
    "xb": LangSpec(
        "xb",
        "Xb",
        "Cyrillic",
        "SOV",
        "pre",
        "pre",
        "none",
        "in-situ",
        "start",
        True,
        consonants=tuple("бвгджзклмнпрстхчш"),
        vowels=tuple("аеиоуы"),
        codas=tuple("нрлскт"),
        p_coda=0.35,
        translit_places=True,
        morphology="no articles (demonstrative only); plural -ы/-ны; accusative suffix "
        "-ом/-м on the object (-ом after a hyphen on names); in-situ questions",
    ),
    "xc": LangSpec(
        "xc",
        "Xc",
        "Greek",
        "VSO",
        "post",
        "pre",
        "words",
        "front",
        "end",
        False,
        consonants=tuple("βγδθκλμνξπρστφχ"),
        vowels=tuple("αειουηω"),
        codas=tuple("νσρ"),
        p_coda=0.3,
        translit_places=True,
        morphology="adjectives follow the noun; plural -ες/-δες; final sigma; negation "
        "particle before the clause-initial verb; question word fronted",
    ),
    "xd": LangSpec(
        "xd",
        "Xd",
        "Armenian",
        "SOV",
        "pre",
        "post",
        "def-suffix",
        "in-situ",
        "start",
        False,
        consonants=tuple("բգդզթլխկհմյնշչպռսվտրցք"),
        vowels=tuple("աեիոէ"),
        codas=tuple("նրղստ"),
        p_coda=0.35,
        translit_places=True,
        morphology="postpositions; definite article is a suffix -ը/-ն; indefinite and "
        "demonstrative are words; plural -եր/-ներ; in-situ questions",
    ),
}

# --------------------------------------------------------------------------------------
# Transliteration of place names
# --------------------------------------------------------------------------------------


def _pairs(spec: str) -> dict[str, str]:
    return dict(item.split(":") for item in spec.split())


_TRANSLIT: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # script -> (digraphs, letters)
    "Cyrillic": (
        _pairs("sh:ш ch:ч th:т ck:к"),
        _pairs(
            "a:а b:б c:к d:д e:е f:ф g:г h:х i:и j:й k:к l:л m:м n:н o:о p:п q:к r:р s:с t:т "
            "u:у v:в w:в x:кс y:ы z:з"
        ),
    ),
    "Greek": (
        _pairs("th:θ ch:χ ph:φ ps:ψ sh:σ ck:κ"),
        _pairs(
            "a:α b:β c:κ d:δ e:ε f:φ g:γ h:χ i:ι j:ι k:κ l:λ m:μ n:ν o:ο p:π q:κ r:ρ s:σ t:τ "
            "u:ου v:β w:ου x:ξ y:υ z:ζ"
        ),
    ),
    "Armenian": (
        _pairs("sh:շ ch:չ th:թ ck:կ"),
        _pairs(
            "a:ա b:բ c:կ d:դ e:ե f:ֆ g:գ h:հ i:ի j:ջ k:կ l:լ m:մ n:ն o:ո p:պ q:ք r:ր s:ս t:տ "
            "u:ու v:վ w:վ x:քս y:յ z:զ"
        ),
    ),
}


def _final_sigma(word: str) -> str:
    word = word.replace("ς", "σ")
    return word[:-1] + "ς" if word.endswith("σ") else word


def transliterate(text: str, script: str) -> str:
    """Transliterate a Latin-script name (word by word, capitalised) into ``script``."""
    if script == "Latin":
        return text
    digraphs, letters = _TRANSLIT[script]
    words = []
    for word in text.split(" "):
        low, out, i = word.lower(), [], 0
        while i < len(low):
            if low[i : i + 2] in digraphs:
                out.append(digraphs[low[i : i + 2]])
                i += 2
            else:
                out.append(letters.get(low[i], low[i]))
                i += 1
        w = "".join(out)
        if script == "Greek":
            w = _final_sigma(w)
        words.append(w[:1].upper() + w[1:])
    return " ".join(words)


# --------------------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------------------


@dataclass
class Lexicon:
    """Surface forms of one language.  Keys: ("N", noun, var), ("V", verb, var),
    ("A", adj, var), ("P", adposition), ("R", adverb), ("PRON", pronoun), ("F", function word)."""

    lang: str
    spec: LangSpec
    words: dict[tuple, str] = field(default_factory=dict)

    # ---- morphology -------------------------------------------------------------------
    def noun(self, nid: str, var: int, plural: bool) -> str:
        if self.lang == "en":
            sg, pl = NOUNS[nid].forms[var]
            return pl if plural else sg
        stem = self.words[("N", nid, var)]
        if not plural:
            return stem
        if self.is_foreign(stem):
            return NOUNS[nid].forms[var][1]  # English plural of an international word
        return self.pluralise(stem)

    def is_foreign(self, word: str) -> bool:
        """A Latin-script word in a non-Latin-script language (takes suffixes after a hyphen)."""
        return self.spec.script != "Latin" and word[:1].isascii()

    def pluralise(self, stem: str) -> str:
        lang, vowel_final = self.lang, stem[-1:] in self.spec.vowels
        if lang == "xa":
            return stem + ("s" if vowel_final else "es")
        if lang == "xb":
            return stem + ("ны" if vowel_final else "ы")
        if lang == "xc":
            return _final_sigma(stem.replace("ς", "σ") + ("δες" if vowel_final else "ες"))
        if lang == "xd":
            return stem + ("ներ" if vowel_final else "եր")
        raise AssertionError(lang)

    def accusative(self, word: str, hyphen: bool = False) -> str:
        """xb object case suffix (names take it after a hyphen)."""
        if hyphen:
            return word + "-ом"
        return word + ("м" if word[-1:] in self.spec.vowels else "ом")

    def definite(self, word: str, hyphen: bool = False) -> str:
        """xd definite suffix (after a hyphen on foreign words)."""
        if hyphen:
            return word + "-ը"
        return word + ("ն" if word[-1:] in self.spec.vowels else "ը")

    def place(self, name: str) -> str:
        return transliterate(name, self.spec.script) if self.spec.translit_places else name


def _gen_word(rng, spec: LangSpec, nsyl: int) -> str:
    parts = []
    for i in range(nsyl):
        if i > 0 or rng.random() < 0.8:
            parts.append(rng.choice(spec.consonants))
        parts.append(rng.choice(spec.vowels))
        if rng.random() < spec.p_coda:
            parts.append(rng.choice(spec.codas))
    word = "".join(parts)
    return _final_sigma(word) if spec.script == "Greek" else word


_XA_VOWEL_SHIFT = str.maketrans({"a": "e", "e": "i", "i": "a", "o": "u", "u": "o", "y": "i"})
_XA_CONS = (("th", "t"), ("sh", "s"), ("ch", "k"), ("ck", "k"), ("c", "k"), ("w", "v"))
_XA_CONS += (("q", "k"), ("x", "ks"), ("j", "g"), ("h", ""))


def _xa_cognate(en: str) -> str:
    w = en.lower()
    for a, b in _XA_CONS:
        w = w.replace(a, b)
    w = w.translate(_XA_VOWEL_SHIFT)
    out = []
    for ch in w:  # collapse doubled letters
        if not out or out[-1] != ch:
            out.append(ch)
    w = "".join(out)
    return w if w[-1] in "aeiou" else w + "o"


def _lexicon_keys() -> list[tuple[tuple, int, str | None]]:
    """(key, number of syllables, English source form for cognates)."""
    keys: list[tuple[tuple, int, str | None]] = []
    for name, en in FUNCTION_WORDS_EN.items():
        nsyl = 1 if name not in ("HOWMANY", "COP_PRES", "COP_PAST") else 2
        keys.append((("F", name), nsyl, en.replace(" ", "")))
    for pid in PRONOUNS:
        keys.append((("PRON", pid), 1, pid))
    for aid in ADPOSITIONS:
        keys.append((("P", aid), 1, aid))
    for rid in ADVERBS:
        keys.append((("R", rid), 3, rid))
    for n in NOUNS.values():
        for v, (sg, _pl) in enumerate(n.forms):
            keys.append((("N", n.id, v), 2, sg))
    for vb in VERBS.values():
        for v, forms in enumerate(vb.forms):
            keys.append((("V", vb.id, v), 2, forms[0]))
    for a in ADJECTIVES.values():
        for v, form in enumerate(a.forms):
            keys.append((("A", a.id, v), 2, form))
    return keys


def _build_lexicon(seed: int, lang: str) -> Lexicon:
    spec = SPECS[lang]
    lex = Lexicon(lang, spec)
    if lang == "en":
        for name, w in FUNCTION_WORDS_EN.items():
            lex.words[("F", name)] = w
        return lex
    rng = make_rng(seed, "lexicon", lang)
    used: set[str] = set()
    for key, nsyl, source in _lexicon_keys():
        word = ""
        r = rng.random()
        if key[0] == "N" and NOUNS[key[1]].forms[key[2]][0] in INTERNATIONAL:
            word = NOUNS[key[1]].forms[key[2]][0]
        elif source is not None and r < spec.shared_rate:
            word = source
        elif source is not None and r < spec.shared_rate + spec.cognate_rate:
            word = _xa_cognate(source)
        tries = 0
        while len(word) < 2 or word in used:
            n = nsyl + (1 if nsyl >= 2 and rng.random() < 0.35 else 0) + tries // 20
            word = _gen_word(rng, spec, n)
            tries += 1
        used.add(word)
        lex.words[key] = word
    return lex


@lru_cache(maxsize=16)
def build_family(seed: int) -> dict[str, Lexicon]:
    """All lexicons of the family for ``seed`` (cached)."""
    return {lang: _build_lexicon(seed, lang) for lang in LANGUAGES}
