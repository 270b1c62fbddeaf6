"""A rule-based sentiment scorer for Indonesian social-media text, written for Siaga.

The word list is the project's own, written from knowledge of everyday and online Indonesian (standard words,
slang, abbreviations, common English loans in code-mixed posts, emoji), not mined from any data set. Words carry
a valence on VADER's -4..+4 scale; the rules follow VADER's shape, adapted to Indonesian:

* slang and abbreviations are normalised first (``gk``/``ga``/``nggak`` -> ``tidak``, ``bgt`` -> ``banget``),
  repeated letters are squeezed (``mantappp``) and reduplication is folded (``enak-enak``, ``enak2``);
* inflected words fall back to their root by stripping particles, suffixes and prefixes
  (``mengecewakan`` -> ``kecewa``, ``pelayanannya`` -> ``pelayanan``, ``terbaik`` -> ``baik``);
* a negator up to three words before a sentiment word flips and damps it (``tidak bagus``, ``gak enak``,
  ``kurang ramah``, ``bukan main``, ``belum puas``);
* intensifiers before (``sangat``, ``terlalu``, ``super``) or after (``banget``, ``sekali``, ``parah``) scale
  it, diminishers (``agak``, ``sedikit``) damp it;
* after a contrast word (``tapi``, ``namun``, ``sayangnya``, ``padahal``) the clause weighs more than before it;
* exclamation marks add emphasis; the sum is squashed to [-1, 1] as VADER's compound score.
"""

from __future__ import annotations

import math
from functools import lru_cache

from detectors.sentiment.tokens import tokenize

__all__ = ["IndonesianLexicon"]


def _split(words: str) -> list[str]:
    return words.split()

#: Version of the word list and rules. Saved models record it and are refused by another version (their
#: weights were learned on top of these scores), so bump it with any change to the words or the rules.
LEXICON_VERSION = 1


def _words(groups: dict[float, str]) -> dict[str, float]:
    return {word: valence for valence, words in groups.items() for word in words.split()}


#: Valence of root words and fixed phrases (joined with "_"), positive then negative.
VALENCE: dict[str, float] = _words(
    {
        3.2: """mantap mantab mantul mantep josss jos juara terbaik sempurna luar_biasa keren_banget top_markotop
                recommended recomended rekomen rekomended the_best best love cinta lezat nikmat maknyus mak_nyus
                istimewa menakjubkan memuaskan sukses amazing awesome perfect excellent sangat_puas gokil""",
        2.5: """keren bagus enak puas senang seneng bahagia suka hebat cakep cantik indah ganteng ramah nyaman
                lucu asik asyik seru worth worth_it recommend rekomendasi terima_kasih makasih thanks thank_you
                good great nice cool happy like helpful berhasil menang unggul favorit favorite berkualitas
                bermanfaat mantep memukau sip oke_banget joss gemes gemas bangga beruntung syukur alhamdulillah
                sejuk segar seger empuk gurih renyah wangi harum bersih rapi cepat cepet sigap tanggap solutif
                responsif membantu terbantu profesional amanah jujur murah_meriah murah terjangkau hemat
                nyenengin menyenangkan menarik inspiratif kreatif berguna bermutu kece hits ok oke okay mudah
                gampang praktis lancar aman stabil mewah elegan megah luas lengkap ramai_pengunjung legit""",
        2.0: """strategis asri instagramable romantis nagih ketagihan ngangenin unik otentik autentik berkesan
                andalan terpercaya ramah_anak terharu salut apresiasi gembira ceria bersyukur pintar cerdas bijak
                jenius canggih inovatif kualitas_bagus top menawan spesial special bersahabat memanjakan lega
                puas_banget dijamin terjamin rapih berkelas""",
        1.5: """maju senyum tersenyum rezeki subhanallah masyaallah
                baik lumayan cukup_baik cukup_enak cocok pas_di_lidah sesuai setuju mendukung dukung semangat
                selamat sehat semoga harap damai tenang sabar peduli perhatian adil sopan santai hangat akrab
                terkenal populer favorit_saya sedap manis lembut tepat_waktu tepat gratis diskon promo bonus
                untung bantu bagusan mending lebih_baik berkah percaya yakin setia rindu kangen sayang mendingan
                thanks_min makasih_min wow wah_bagus huhu_senang""",
        -1.5: """kurang lama mahal pahit hambar asin keasinan kemanisan alot keras sempit panas gerah berisik
                 bising antri antre ngantri macet lelet ribet repot susah sulit bingung ragu khawatir cemas takut
                 sedih lelah capek capai cape bosan bosen membosankan biasa_aja biasa_saja standar gitu_aja
                 sayangnya sayang_sekali telat terlambat lambat mengecewakan_sedikit mahal_banget pending gangguan
                 error eror masalah bermasalah kendala trouble problem bug hilang rusak cacat basi dingin sepi
                 kecil tipis sedikit minim kotor_sedikit kurang_ramah jutek judes cuek lupa salah keliru bohong
                 boros sakit pusing nyesel menyesal mending_gak kasihan kasian prihatin miris""",
        -2.0: """emosi bocor batal dibatalkan ditolak protes komplain keluhan mengeluh pengap pelit overprice
                 overpriced munafik pengecut egois hina menghina ejek mengejek provokasi radikal rasis bully ancam
                 mengancam panik resah gelisah stres stress depresi frustasi frustrasi sengsara menderita derita
                 tersiksa siksa kecelakaan banjir gempa longsor penyakit wabah nyasar tersesat lalai sembarangan
                 seenaknya semena-mena asal-asalan mengganggu ganggu bohongin ngibul kampungan murahan ngaret molor
                 mangkrak terbengkalai amburadul semrawut kumuh becek pungli suap sogok ribut dicuri kemalingan
                 kecopetan dijambret dirampok begal""",
        -1.2: """putus tolak miskin receh licin keluh""",
        -2.5: """jelek buruk kecewa kecewaa mengecewakan payah parah lemot lambreta kotor jorok bau busuk amis
                 marah kesal kesel sebel sebal jengkel dongkol benci muak jijik kasar sombong galak tidak_sopan
                 mahal_sekali kemahalan mencekik penipuan tipu menipu nipu tipu-tipu palsu abal abal-abal kw
                 gagal rugi merugikan dirugikan bohongan ngecewain nyebelin menyebalkan sial sialan ancur hancur
                 rusak_parah mati_total down lemah bodoh bego goblok tolol dungu oon bloon kampret brengsek
                 bangsat anjing anjir anjay_parah asu tai taik sampah pecundang kacau kacau_balau berantakan
                 korupsi korup maling pencuri curang licik zalim dzalim fitnah hoax hoaks bohong_besar
                 worst bad terrible horrible awful disappointed disappointing hate scam fraud useless broken slow
                 poor sucks suck annoying rude dirty expensive fail failed sad angry refund lag ngelag nge-lag
                 kecolongan dibohongi ditipu diabaikan dicuekin php lebay alay norak mengerikan ngeri seram
                 bencana musibah tragis duka berduka wafat meninggal tewas korban darurat bahaya berbahaya
                 ancaman tersangka ditangkap demo kerusuhan ricuh bentrok""",
        -3.2: """koruptor teroris bangke kontol jancok jancuk
                 terburuk terparah terjelek paling_buruk sangat_kecewa kecewa_berat nyesel_banget kapok zonk
                 bangkrut penipu bajingan keparat babi setan iblis laknat biadab najis menjijikkan mengerikan_sekali
                 kebakaran ledakan pembunuhan teror""",
    }
)

#: Emoji and emoticons (valences written for Siaga).
EMOJI_VALENCE: dict[str, float] = {
    **dict.fromkeys("😀😃😄😁😆😊☺😍🥰😘😻💕💖💗💓💞❤♥💯👍👌🙌👏🤩🥳🎉✨😎🤗🙏🌟⭐🔥💪😋😇", 2.0),
    **dict.fromkeys("🙂😉😌😸", 1.0),
    **dict.fromkeys("😂🤣😅😹", 0.5),
    **dict.fromkeys("😒😕🙁☹😟😔😞😓😩😫😪😥😢🤧🥺😿💔", -2.0),
    **dict.fromkeys("😭😠😡🤬👎🤮🤢😤💩🖕😱😨😰", -2.8),
    **dict.fromkeys("🙄😑😐🤦🤷", -1.0),
    ":)": 1.5, ":-)": 1.5, ":d": 2.0, ":-d": 2.0, "=)": 1.5, ";)": 1.0, "<3": 2.5, "^_^": 1.5,
    ":(": -2.0, ":-(": -2.0, ":'(": -2.5, "t_t": -2.0, ":/": -1.0, ":-/": -1.0, "):": -2.0,
}

#: Spelling variants and abbreviations -> the word the lexicon and rules know.
SLANG: dict[str, str] = {
    **dict.fromkeys(_split("gk ga gak ngga nggak enggak engga g ndak nda tdk gag kagak kaga ogah ora"), "tidak"),
    **dict.fromkeys(_split("bgt bngt bgtt bangeet banget2 bener2 beneran"), "banget"),
    **dict.fromkeys(_split("blm blom lom"), "belum"),
    **dict.fromkeys(_split("jgn jngn"), "jangan"),
    **dict.fromkeys(_split("bkn"), "bukan"),
    **dict.fromkeys(_split("tp tpi ttp"), "tapi"),
    **dict.fromkeys(_split("sgt"), "sangat"),
    **dict.fromkeys(_split("krg"), "kurang"),
    **dict.fromkeys(_split("mksh makasi mksi trims tks tq ty thx makasii"), "makasih"),
    **dict.fromkeys(_split("bgs"), "bagus"),
    **dict.fromkeys(_split("mntp mantaap mntap"), "mantap"),
    **dict.fromkeys(_split("jlk jelex"), "jelek"),
    **dict.fromkeys(_split("anjrit anjrot anjr njir anjg anjing2"), "anjir"),
    **dict.fromkeys(_split("kzl kesell"), "kesal"),
    **dict.fromkeys(_split("lemod lelot"), "lemot"),
    **dict.fromkeys(_split("rekomen rekom"), "rekomendasi"),
    **dict.fromkeys(_split("kcewa kecewah"), "kecewa"),
    **dict.fromkeys(_split("bsa"), "bisa"),
    **dict.fromkeys(_split("sy"), "saya"),
}

NEGATORS = frozenset(_split("tidak tak bukan belum jangan kurang tanpa bukanlah tidaklah not no never don't dont"))
#: Words that scale the next sentiment word.
BOOSTERS_BEFORE: dict[str, float] = {
    **dict.fromkeys(_split("sangat amat terlalu super paling sungguh benar-benar sangatlah begitu makin semakin"), 1.4),
    **dict.fromkeys(_split("lebih tambah cukup"), 1.15),
    **dict.fromkeys(_split("agak sedikit rada lumayan"), 0.7),
    **dict.fromkeys(_split("very so really too extremely"), 1.4),
}
#: Words that scale the previous sentiment word.
BOOSTERS_AFTER: dict[str, float] = {
    **dict.fromkeys(_split("banget sekali sekaleee amat parah abis pol poll bingit"), 1.4),
}
#: After these, the rest of the post weighs more than what came before.
CONTRASTS = frozenset(_split("tapi tetapi namun sayangnya padahal sedangkan cuma cuman hanya but however"))
#: Words that end a negation's reach.
_CLAUSE_BREAKS = CONTRASTS | frozenset(_split("dan karena krn soalnya sehingga jadi"))

_PARTICLES = ("nya", "lah", "kah", "pun", "ku", "mu")
_SUFFIXES = ("kan", "an", "in", "i")
_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "pe", "ber", "ter", "di", "ke",
             "nge", "ng", "ny", "se")
_NASAL_ROOTS = {"meny": "s", "peny": "s", "ny": "s", "mem": "p", "pem": "p", "men": "t", "pen": "t",
                "meng": "k", "peng": "k", "ng": "k"}

#: First words of the two-word phrases in ``VALENCE``.
_PHRASE_HEADS = frozenset(key.split("_")[0] for key in VALENCE if "_" in key)
_NEGATION_SCALAR = -0.74
_ALPHA = 15.0


def _squeeze(word: str) -> str:
    """Undo stretched spelling: a word with a run of three or more equal letters is written with every
    repeated letter single (``mantappp`` -> ``mantap``, ``baguuusss`` -> ``bagus``); other words are kept."""
    out: list[str] = []
    for char in word:
        if len(out) >= 2 and out[-1] == char and out[-2] == char:
            continue
        out.append(char)
    squeezed = "".join(out)
    if squeezed == word:
        return word
    return "".join(c for i, c in enumerate(squeezed) if i == 0 or c != squeezed[i - 1])


@lru_cache(maxsize=1 << 16)
def _normalise(token: str) -> str:
    """Map a token to the form the lexicon knows (slang, repeats, reduplication)."""
    if token in SLANG:
        return SLANG[token]
    if token in VALENCE or len(token) < 3:
        return token
    word = _squeeze(token)
    if word.endswith("2") and word[:-1].isalpha():
        word = word[:-1]
    if "-" in word:
        head, _, tail = word.partition("-")
        if head == tail or tail.startswith(head):
            word = head
    return SLANG.get(word, word)


@lru_cache(maxsize=1 << 16)
def _root_valence(word: str) -> float:
    """Valence of ``word`` or of its root after stripping Indonesian affixes; 0 when unknown."""
    valence = VALENCE.get(word)
    if valence is not None:
        return valence
    if len(word) < 5 or not word.isalpha():
        return 0.0
    candidates = [word]
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 3:
            candidates.append(word[: -len(particle)])
            break
    for base in list(candidates):
        for suffix in _SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= 3:
                candidates.append(base[: -len(suffix)])
    for base in list(candidates):
        for prefix in _PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= 3:
                stem = base[len(prefix):]
                candidates.append(stem)
                if prefix in _NASAL_ROOTS and stem[0] in "aeiou":
                    candidates.append(_NASAL_ROOTS[prefix] + stem)
    for candidate in candidates[1:]:
        valence = VALENCE.get(candidate)
        if valence is not None:
            if word.startswith("ter") and candidate == word[3:] and valence > 0:
                return min(valence * 1.3, 4.0)
            return valence
    return 0.0


class IndonesianLexicon:
    """Score Indonesian (and code-mixed) text from -1 (negative) to +1 (positive) with words and rules.

    Parameters
    ----------
    negation_window
        How many words before a sentiment word a negator still reaches.
    contrast_weight
        Weight of the clause after ``tapi``/``namun`` (the clause before gets ``2 - contrast_weight``).

    Examples
    --------
    >>> lex = IndonesianLexicon()
    >>> lex.score_one("makanannya enak banget") > 0.5
    True
    >>> lex.score_one("makanannya gak enak") < 0
    True
    >>> lex.score_one("pelayanan lemot bgt, kecewa parah 😡") < -0.8
    True
    >>> lex.score_one("tempatnya bagus tapi pelayanannya mengecewakan") < 0
    True
    >>> lex.score_one("besok saya ke kantor")
    0.0

    """

    def __init__(self, negation_window: int = 3, contrast_weight: float = 1.5):
        if negation_window < 0:
            raise ValueError(f"negation_window must be non-negative, got {negation_window}")
        if not 1.0 <= contrast_weight < 2.0:
            raise ValueError(f"contrast_weight must be in [1, 2), got {contrast_weight}")
        self.negation_window = negation_window
        self.contrast_weight = contrast_weight

    @staticmethod
    def normalise(tokens: list[str]) -> list[str]:
        """Tokens in the form the lexicon knows: slang expanded, repeats squeezed, reduplication folded.

        >>> IndonesianLexicon.normalise(["gk", "enak-enak", "bgt", "mantappp"])
        ['tidak', 'enak', 'banget', 'mantap']
        """
        return [_normalise(token) for token in tokens]

    def score_tokens(self, tokens: list[str], exclamations: int = 0) -> float:
        """Compound score of tokenised text, with ``exclamations`` the number of ``!`` in the post."""
        return self.score_words(self.normalise(tokens), exclamations)

    def score_words(self, words: list[str], exclamations: int = 0) -> float:
        """Compound score of tokens already passed through ``normalise``."""
        n = len(words)
        valences = [0.0] * n
        skip_next = False
        for i, word in enumerate(words):
            if skip_next:
                skip_next = False
                continue
            valence = 0.0
            if i + 1 < n and word in _PHRASE_HEADS:
                phrase = VALENCE.get(f"{word}_{words[i + 1]}")
                if phrase is not None:
                    valence, skip_next = phrase, True
            emoji = EMOJI_VALENCE.get(word)
            if emoji is not None:  # an emoji says how the writer feels: no word negates or scales it
                valences[i] = emoji
                continue
            if not valence:
                valence = _root_valence(word)
            if not valence:
                continue
            if i + 1 < n and words[i + 1] in BOOSTERS_AFTER and not skip_next:
                valence *= BOOSTERS_AFTER[words[i + 1]]
            for back in range(1, self.negation_window + 1):
                j = i - back
                if j < 0 or words[j] in _CLAUSE_BREAKS:
                    break
                previous = words[j]
                if previous in NEGATORS:
                    valence *= _NEGATION_SCALAR if valence > 0 or previous != "kurang" else 1.0
                    break
                if back == 1 and previous in BOOSTERS_BEFORE:
                    valence *= BOOSTERS_BEFORE[previous]
            valences[i] = valence
        contrast = next((i for i in range(n - 1, -1, -1) if words[i] in CONTRASTS), -1)
        if contrast > 0:
            before, after = 2.0 - self.contrast_weight, self.contrast_weight
            valences = [v * (before if i < contrast else after) for i, v in enumerate(valences)]
        total = sum(valences)
        if not total:
            return 0.0
        total += math.copysign(min(exclamations, 4) * 0.292, total)
        return max(-1.0, min(1.0, total / math.sqrt(total * total + _ALPHA)))

    def score_one(self, text: str) -> float:
        """Compound score of a post, from -1 (most negative) to +1 (most positive)."""
        return self.score_tokens(tokenize(text), text.count("!"))
