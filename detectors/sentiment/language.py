"""Language identification for short, informal posts: Indonesian, English or other.

Posts are a few words long, full of slang and often code-mixed, so character n-gram models trained on clean
prose do poorly on them. This identifier counts hand-picked function words, pronouns, particles and slang of
each language (words a post cannot avoid, unlike topic words) plus the Indonesian ``-nya`` suffix. The
language with more evidence wins, Indonesian on a tie (the product's home market); a post with no evidence
for either is ``"other"``. ``mix`` reports the share of the minority language, so a caller can treat a post
as code-mixed when it is high.
"""

from __future__ import annotations

from detectors.sentiment.tokens import tokenize

__all__ = ["LanguageIdentifier"]


def _split(words: str) -> list[str]:
    return words.split()

INDONESIAN_WORDS = frozenset(
    _split("""
    yang yg dan dgn dengan di ke dari ini itu tidak tdk gak ga gk nggak ngga enggak engga ndak tak bukan bkn
    belum blm jangan jgn aja saja sja udah udh sudah sdh telah akan bakal bisa bs dapat dpt ada untuk utk buat
    bwt sama sm juga jg karena krn karna soalnya tapi tp tetapi namun kalau kalo klo klau kl jika jikalau
    apabila ya yah dong deh sih kok nih tuh loh lho kan kah pun lah lagi lg banget bgt bngt bener benar sangat
    sekali amat saya sy aku aq gue gua gw kamu km kau lu lo loe elo elu anda kami kita kalian mereka dia beliau
    apa apaan kenapa knp napa mengapa gimana gmn bagaimana mana siapa kapan berapa masih msh pernah harus hrs
    mau mo ingin pengen pingin jadi jd lebih lbh paling semua smua setiap tiap orang org hari bikin biar agar
    supaya atau oleh pada dalam dlm luar atas bawah sini situ sana begitu gitu gini begini seperti spt kayak
    kyk kek banyak byk sedikit dikit dulu nanti ntar skrg sekarang tadi kemarin kmrn besok emang memang terus
    trus trs sampai sampe hingga setelah sebelum tolong mohon terima kasih makasih trims thx wkwk wkwkwk
    wkwkwk wk haha hehe sangatlah cuma cuman cm doang aj mulu melulu kakak kak mas mbak bang pak bu bapak ibu
    min admin gan sis bro enak murah mahal bagus jelek buruk baik parah kecewa mantap mantul keren lemot
    lambat cepat tempat makanan minuman harga pelayanan layanan rasa rasanya tapi walaupun meskipun
    walau sudahlah kasian kasihan gak-gak pas baru lama nunggu tunggu sering selalu kadang tanpa
    pagi siang sore malam jam buka tutup minggu bulan tahun rumah kantor cabang jalan uang beli jual kirim
    barang pesanan pesan sampai datang pulang pergi kerja bayar tagihan sinyal kuota pulsa antrian
    """)
)

ENGLISH_WORDS = frozenset(
    _split("""
    the a an and or but is are was were be been being am to of in on at for with without this that these
    those it its it's i i'm i've i'd i'll you you're your yours he she we they my our their me him her us them
    not no don't dont can't cant won't wont didn't didnt doesn't doesnt isn't isnt wasn't aren't never have
    has had do does did will would should could can may might must very so too just what why how when where
    who which there here from by about all some any more most if then than because as up out get got really
    like also only even still again ever yet after before while into over under through such own same other
    only both each few much many now today yesterday tomorrow thanks thank please good bad great nice love
    hate worst best better awesome terrible horrible amazing service food price place staff time people
    customer order delivery app phone money again waiting wait
    im u ur lol omg yay another one day night go going gonna wanna know think see want need make made let feel
    feeling life world new old first last way thing things something nothing everything someone everyone week
    year home work friend friends happy sad fun funny well back off down right always every little big long hope
    lovely look looks looking said say says tell told come came went take took give gave keep yes yeah oh hey hi
    hello sorry cool cute beautiful wonderful excited tired sick bored miss missed watching movie game music song
    show school class job
    """)
)

_INDONESIAN_SUFFIXES = ("nya",)


class LanguageIdentifier:
    """Tell Indonesian (``"id"``), English (``"en"``) and other (``"other"``) posts apart.

    Parameters
    ----------
    min_evidence
        Fewest marker words a post needs before it is given a language rather than ``"other"``.

    Examples
    --------
    >>> lid = LanguageIdentifier()
    >>> lid.predict_one("pelayanannya lemot banget, gak bakal beli lagi")
    'id'
    >>> lid.predict_one("The delivery was late and the food was cold")
    'en'
    >>> lid.predict_one("Enak sekali! 😋")
    'id'
    >>> lid.predict_one("¡Qué rico! 😋")
    'other'
    >>> lid.predict_proba_one("aplikasinya error terus gak bisa login, worst app")
    {'id': 0.67, 'en': 0.33}

    """

    def __init__(self, min_evidence: int = 1):
        if min_evidence < 1:
            raise ValueError(f"min_evidence must be at least 1, got {min_evidence}")
        self.min_evidence = min_evidence

    def evidence(self, tokens: list[str]) -> tuple[int, int]:
        """Count Indonesian and English markers among already tokenised words."""
        n_id = n_en = 0
        indonesian, english = INDONESIAN_WORDS, ENGLISH_WORDS
        for token in tokens:
            if token in indonesian:
                n_id += 1
            elif token in english:
                n_en += 1
            elif len(token) > 5 and token.endswith(_INDONESIAN_SUFFIXES):
                n_id += 1
        return n_id, n_en

    def predict_tokens(self, tokens: list[str]) -> tuple[str, float]:
        """Language of tokenised text and the share of the other language's markers (0 = monolingual)."""
        n_id, n_en = self.evidence(tokens)
        total = n_id + n_en
        if total < self.min_evidence:
            return "other", 0.0
        if n_id >= n_en:
            return "id", n_en / total
        return "en", n_id / total

    def predict_proba_one(self, text: str) -> dict[str, float]:
        """Share of Indonesian and English evidence in a post (empty when there is none)."""
        n_id, n_en = self.evidence(tokenize(text))
        total = n_id + n_en
        if total < self.min_evidence:
            return {}
        return {"id": n_id / total, "en": n_en / total}

    def predict_one(self, text: str) -> str:
        """The post's language: ``"id"``, ``"en"`` or ``"other"``."""
        return self.predict_tokens(tokenize(text))[0]
