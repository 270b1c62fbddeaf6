"""Bilingual post text for drills: Indonesian, English and code-mixed, with slang, emoji, handles and hashtags.

Templates use ``{b}`` for a reference to the subject (its name, handle or hashtag, so the watchlist matches),
``{t}`` for something of its category ("paket data", "bagasi") and ``{h}`` for its hashtag stem. Crisis text is
plainly negative ("gak bisa login", "bocor", "penipuan", "worst service"); everyday text is mostly neutral or
positive, with the ordinary complaints any brand gets. Benign bursts include slang that a naive lexicon reads as
negative but that is praise in context ("anjir keren parah", "gila murah bgt").
"""

from __future__ import annotations

import random

from pipeline.simulate.subjects import CATEGORIES, SimSubject

__all__ = ["BENIGN_TEXT", "CRISIS_TEXT", "TextMaker"]

Template = tuple[str, str | None]  # (format string, language or None for code-mixed)

_EVERYDAY: tuple[Template, ...] = (
    ("baru pake {t} {b}, lumayan juga", "id"),
    ("ada yg tau {t} {b} hari ini ada promo gk?", "id"),
    ("makasih {b}, {t} lancar jaya", "id"),
    ("{b} {t}nya oke kok sejauh ini", "id"),
    ("lagi nyobain {t} dari {b}", "id"),
    ("mau nanya dong min {b}, {t} bisa dipake di luar kota?", "id"),
    ("cara ganti pin {t} {b} gimana ya", "id"),
    ("{t} {b} mantap, cepet bgt", "id"),
    ("udah lama pake {b}, so far aman", None),
    ("info {t} terbaru dari {b} ada di web resminya ya", "id"),
    ("pagi2 udah beres urusan {t} di {b}", "id"),
    ("temen2 pada pake {b} juga ga buat {t}?", "id"),
    ("{b} lagi ada diskon {t} nih, lumayan buat akhir bulan", "id"),
    ("just tried {t} from {b}, pretty good", "en"),
    ("anyone here using {b}? how's the {t}", "en"),
    ("{b} {t} works fine for me", "en"),
    ("thanks {b}, quick help with my {t} today", "en"),
    ("{b} {t} so far so good sih", None),
    ("honestly {b} lumayan worth it buat {t}", None),
    ("btw {b} lagi ada promo {t} ya?", None),
    ("review jujur {t} {b}: oke, ga ada masalah", "id"),
    ("akhirnya {t} {b} beres juga, makasih min", "id"),
)
_EVERYDAY_COMPLAINTS: tuple[Template, ...] = (
    ("{t} {b} agak lemot pagi ini", "id"),
    ("kok {t} {b} error ya barusan", "id"),
    ("{b} kenapa {t}nya mahal bgt sih", "id"),
    ("the {b} app is kinda slow today", "en"),
    ("min {b}, {t} saya pending dari kemarin", "id"),
    ("cs {b} lama bales, sebel", "id"),
)
_NOISE: tuple[Template, ...] = (
    ("macet parah di tol dalam kota pagi ini", "id"),
    ("hujan deres bgt, jemuran belum diangkat", "id"),
    ("makan siang apa ya enaknya", "id"),
    ("good morning everyone, have a nice day", "en"),
    ("nonton film apa malam ini? rekomen dong", "id"),
    ("kopi susu gula aren emang juara", "id"),
    ("besok senin lagi aja, cepet bgt weekend", "id"),
    ("ada yg mau nitip gorengan?", "id"),
    ("weekend vibes, finally bisa tidur siang", None),
    ("lowongan kerja admin gudang, kirim cv ke email", "id"),
)

CRISIS_TEXT: dict[str, tuple[Template, ...]] = {
    "outage": (
        ("{b} down lagi?? gak bisa login dari tadi, kesel bgt", "id"),
        ("{t} {b} error terus, transaksi gagal mulu parah", "id"),
        ("anjir {b} lemot parah, gk bisa buka {t} sama sekali", "id"),
        ("worst service, {b} has been down for hours and nobody answers", "en"),
        ("{b} error terus dari pagi, kecewa bgt sm pelayanannya", "id"),
        ("is {b} down? {t} not working at all, terrible", "en"),
        ("gak bisa login {b} udah 1 jam, parah bgt", "id"),
        ("{b} gangguan lagi, {t} gagal terus. kecewa", "id"),
        ("app {b} crash mulu, useless banget sumpah", None),
        ("{b} down, ga bisa {t}, rugi bgt gue", "id"),
        ("halo {b}?? {t} mati total dari tadi, payah", "id"),
        ("{b} ngelag parah, ga bisa ngapa2in. worst", None),
    ),
    "product_defect": (
        ("{t} dari {b} rusak, baru dipake seminggu. kecewa bgt", "id"),
        ("{b} recall {t}? pantes aja cacat semua, parah", "id"),
        ("{t} {b} bermasalah terus, minta refund susah bgt", "id"),
        ("{b} sold me a broken {t}, terrible quality", "en"),
        ("ternyata banyak yg kena masalah {t} {b} juga, jelek bgt kualitasnya", "id"),
        ("kecewa berat sama {b}, {t} cacat dan cs nya cuek", "id"),
        ("hati2 {t} dari {b} bermasalah, rugi gue", "id"),
        ("{b} product defect again, {t} failed twice this week. awful", "en"),
        ("{t} {b} makin jelek, error terus abis update", "id"),
        ("udah 3 kali komplain {t} {b} rusak, cs nya cuek. payah bgt", "id"),
    ),
    "data_breach": (
        ("data pelanggan {b} bocor?? parah bgt", "id"),
        ("{b} kebocoran data, jutaan akun dijual di forum. ngeri", "id"),
        ("data gue bocor gara2 {b}, kecewa bgt", "id"),
        ("{b} data breach: leaked customer data, this is terrible", "en"),
        ("nomor hp sama nik bocor dari {b}, skrg banyak penipuan masuk", "id"),
        ("{b} tanggung jawab dong, data kami bocor. payah", "id"),
        ("gila {b} bisa kecolongan gini, data bocor semua", "id"),
        ("{b} leaked our data and still silent. worst", "en"),
        ("ganti password sekarang, data {b} bocor!! bahaya", "id"),
        ("kecewa sama {b}, keamanan data buruk bgt", "id"),
    ),
    "executive_misconduct": (
        ("dirut {b} ditangkap kasus korupsi? memalukan", "id"),
        ("petinggi {b} kasar ke karyawan, videonya viral. parah", "id"),
        ("boikot {b}! bos nya sombong dan kasar", "id"),
        ("{b} executive caught in fraud scandal, disgusting", "en"),
        ("kelakuan pejabat {b} bikin muak, korup semua", "id"),
        ("gak respect lagi sama {b}, pimpinannya bermasalah. kecewa", "id"),
        ("{b} CEO scandal is horrible, shame on them", "en"),
        ("skandal {b} makin parah, tersangka nambah. jijik", "id"),
        ("malu punya akun {b}, bosnya korupsi. jijik", "id"),
    ),
    "hoax": (
        ("BREAKING: {b} bangkrut, dana gak bisa ditarik!! tarik sekarang", "id"),
        ("katanya {b} mau bangkrut bulan depan, takut bgt", "id"),
        ("beneran {b} bangkrut? panik nih, parah", "id"),
        ("{b} is going bankrupt, withdraw your money now!! scary", "en"),
        ("info grup wa: {b} kena masalah besar, semua {t} diblokir. bahaya", "id"),
        ("jangan pake {b} dulu, katanya bakal bangkrut. ngeri", "id"),
        ("{b} penipuan? katanya uang nasabah hilang", "id"),
        ("ini bener {b} diblokir pemerintah? kacau parah, rugi semua", "id"),
    ),
    "bot_burst": (
        ("{b} PENIPU!!! jangan pake {b}", "id"),
        ("{b} scam, uang hilang, jangan percaya", None),
        ("boikot {b} sekarang juga! penipuan, merugikan rakyat", "id"),
        ("{b} penipu, pelayanan sampah", "id"),
        ("stop pakai {b}, penipu semua", "id"),
    ),
}
CRISIS_HASHTAGS: dict[str, tuple[str, ...]] = {
    "outage": ("{h}Down", "{h}Error"),
    "product_defect": ("{h}Recall", "{h}Rusak"),
    "data_breach": ("{h}Bocor", "DataBocor"),
    "executive_misconduct": ("Boikot{h}", "Skandal{h}"),
    "hoax": ("{h}Bangkrut",),
    "bot_burst": ("Boikot{h}", "{h}Penipu"),
}
_ANGRY_EMOJI = ("😡", "🤬", "😤", "😭", "👎", "😠", "🙄")
_HAPPY_EMOJI = ("🔥", "👍", "😍", "🙏", "✨", "💯", "😊", "🎉", "👏")
_REPLY_OPENERS = ("sama kak, ", "samaa bgt, ", "aku juga, ", "same here, ", "iya nih, ")

BENIGN_TEXT: dict[str, tuple[Template, ...]] = {
    "product_launch": (
        ("akhirnya {b} launching {t} baru! keren bgt", "id"),
        ("{b} new {t} launch today, looks great", "en"),
        ("wah {t} baru {b} mantap, langsung coba", "id"),
        ("fitur baru {b} oke banget sih, cepet", "id"),
        ("{b} launch event seru, {t} nya keren", None),
        ("udah nyobain {t} terbaru dari {b}? bagus lho", "id"),
        ("anjir {b} launching nya keren parah", "id"),
        ("{b} sold out dalam 5 menit, gila", None),
    ),
    "sports_match": (
        ("nobar timnas disponsori {b} seru bgt", "id"),
        ("{b} jadi sponsor liga, jersey nya keren", "id"),
        ("GOOOL!!! nonton bareng komunitas {b} mantap", "id"),
        ("what a match! thanks {b} for the live screening", "en"),
        ("menang! promo {b} buat rayain kemenangan timnas", "id"),
        ("{b} nobar tonight, rame bgt suasananya", None),
        ("GOL!!! anjir nobar {b} pecah bgt, seru", "id"),
        ("tiket nobar {b} habis, telat dikit aja kehabisan", "id"),
    ),
    "viral_positive": (
        ("salut sama {b}, cs nya bantu nenek balikin dompet", "id"),
        ("respect {b}, pelayanan terbaik yang pernah gue dapet", None),
        ("thread: pengalaman baik bareng {b}, terharu", "id"),
        ("{b} customer service is amazing, helped me in minutes", "en"),
        ("baru liat video {b} yang viral itu, keren bgt", "id"),
        ("makasih {b}, respon cepet dan ramah", "id"),
        ("sumpah gila {b} baik bgt, terharu", "id"),
        ("wkwk anjir {b} kocak bgt videonya", "id"),
    ),
    "holiday": (
        ("selamat hari raya dari {b}, mohon maaf lahir batin", "id"),
        ("promo lebaran {b} gila sih murah bgt", "id"),
        ("mudik pake {b} aman lancar, makasih", "id"),
        ("THR cair, checkout {t} di {b} dulu", "id"),
        ("happy holidays from the {b} family", "en"),
        ("libur panjang, {t} {b} diskon gede", "id"),
        ("promo {b} gila2an, murah parah", "id"),
        ("ngantri dikit gpp, promo {b} worth it", None),
    ),
}
BENIGN_HASHTAGS: dict[str, tuple[str, ...]] = {
    "product_launch": ("{h}Baru", "Launching{h}"),
    "sports_match": ("Timnas", "Nobar{h}"),
    "viral_positive": ("Salut{h}", "Viral"),
    "holiday": ("Lebaran", "Promo{h}"),
}
_OFFICIAL: tuple[Template, ...] = (
    ("Hai {u}, mohon maaf atas ketidaknyamanannya. Tim {n} sedang menangani kendala ini, mohon DM detailnya ya.",
     "id"),
    ("Halo {u}, terima kasih laporannya. {n} sedang melakukan pengecekan, update berikutnya kami kabari.", "id"),
    ("Hi {u}, we are sorry for the trouble. The {n} team is on it, please DM us your details.", "en"),
)


class TextMaker:
    """Draws post text for one suite from one ``random.Random``."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._words: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _fill(self, template: Template, subject: SimSubject) -> tuple[str, str | None]:
        fmt, lang = template
        words = self._words.get(subject.id)
        if words is None:
            words = self._words[subject.id] = (subject.references, CATEGORIES[subject.category][2])
        draw = self.rng.random
        references, things = words
        text = fmt.format(b=references[int(draw() * len(references))], t=things[int(draw() * len(things))],
                          h=subject.hashtag)
        return text, lang

    def everyday(self, subject: SimSubject) -> tuple[str, str | None]:
        """Ordinary talk about a subject: mostly neutral or positive, about one post in eight a small complaint."""
        draw = self.rng.random
        pool = _EVERYDAY_COMPLAINTS if draw() < 0.12 else _EVERYDAY
        text, lang = self._fill(pool[int(draw() * len(pool))], subject)
        if pool is _EVERYDAY and draw() < 0.25:
            text = f"{text} {_HAPPY_EMOJI[int(draw() * len(_HAPPY_EMOJI))]}"
        return text, lang

    def noise(self) -> tuple[str, str | None]:
        """Chatter that names no watched subject."""
        return _NOISE[int(self.rng.random() * len(_NOISE))]

    def crisis(self, kind: str, subject: SimSubject) -> tuple[str, str | None]:
        """A clearly negative post of crisis ``kind``, often with an emoji and a crisis hashtag."""
        templates = CRISIS_TEXT[kind]
        text, lang = self._fill(templates[int(self.rng.random() * len(templates))], subject)
        return self._decorate(text, subject, CRISIS_HASHTAGS[kind], _ANGRY_EMOJI, 0.5), lang

    def benign(self, kind: str, subject: SimSubject) -> tuple[str, str | None]:
        """A positive or neutral post of a benign burst ``kind``."""
        templates = BENIGN_TEXT[kind]
        text, lang = self._fill(templates[int(self.rng.random() * len(templates))], subject)
        return self._decorate(text, subject, BENIGN_HASHTAGS[kind], _HAPPY_EMOJI, 0.5), lang

    def reply_opener(self) -> str:
        """How a reply that agrees with its parent starts."""
        return _REPLY_OPENERS[int(self.rng.random() * len(_REPLY_OPENERS))]

    def official(self, subject: SimSubject, user_handle: str) -> tuple[str, str | None]:
        """A reply from the subject's care account to a complaining user."""
        fmt, lang = self.rng.choice(_OFFICIAL)
        return fmt.format(u=f"@{user_handle}", n=subject.name), lang

    def _decorate(self, text: str, subject: SimSubject, tags: tuple[str, ...], emoji: tuple[str, ...],
                  share: float) -> str:
        draw = self.rng.random
        if draw() < share:
            text = f"{text} {emoji[int(draw() * len(emoji))]}"
        if draw() < share:
            text = f"{text} #{tags[int(draw() * len(tags))].format(h=subject.hashtag)}"
        return text
