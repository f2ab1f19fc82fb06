"""Segmentation of the scripts multilingual input brings: CJK, Devanagari, Urdu, Greek, Armenian, Hebrew, and
per-language abbreviations of German, French, Russian, Spanish and Italian.

The news paragraphs are written for these tests; each asserts the exact sentences ``segment`` returns.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xling.cli import main
from xling.text.segment import LANGUAGES, rules_for, segment, sentence_spans

NBSP = "\xa0"


def sentences(text: str, lang: str) -> list[str]:
    _, found = segment(text, lang)
    return [text[s.start : s.end] for s in found]


# -- one news paragraph per language -------------------------------------------------------------------------------

ZH = [
    "新华社北京3月5日电 国务院总理李强在十四届全国人大二次会议上作政府工作报告。",
    "报告提出，今年国内生产总值增长预期目标为5%左右，居民消费价格涨幅控制在3.5%以内。",
    "他说：“我们要坚定信心、迎难而上。”",
    "外资企业如何看待这一目标？",
    "美国苹果公司（Apple Inc.）表示「继续看好中国市场。」",
]
ZH_EN = [
    "BEIJING, March 5 (Xinhua) -- Premier Li Qiang delivered the government work report at the second session of "
    "the 14th National People's Congress.",
    "The report set a GDP growth target of around 5 percent for this year and aims to keep consumer price "
    "increases within 3.5 percent.",
    '"We must stay confident and rise to the challenges," he said.',
    "How do foreign companies view this target?",
    'Apple Inc. said it "remains optimistic about the Chinese market."',
]
JA = [
    "政府は15日、新たな経済対策を閣議決定した。",
    "総額は約17兆円で、物価高に対応する。",
    "岸田首相は記者団に「国民の生活を守る。」と述べた。",
    "野党は「効果は限定的だ」と批判している！",
    "NHKの世論調査では、内閣支持率が３．５ポイント下がった。",
]
JA_EN = [
    "The government approved a new economic package on the 15th.",
    "It totals about 17 trillion yen and responds to rising prices.",
    'Prime Minister Kishida told reporters: "We will protect people\'s livelihoods."',
    'The opposition criticized it, saying "its effect is limited"!',
    "In an NHK poll, the cabinet's approval rating fell 3.5 points.",
]
HI = [
    "प्रधानमंत्री ने सोमवार को नई दिल्ली में एक उच्चस्तरीय बैठक की अध्यक्षता की।",
    "बैठक में 3.5 प्रतिशत विकास दर के लक्ष्य पर चर्चा हुई।",
    "क्या सरकार यह लक्ष्य हासिल कर पाएगी?",
    "विपक्ष ने कहा, “यह केवल एक सपना है।”",
    "डॉ. शर्मा ने कहा कि बातचीत जारी रहेगी।",
]
HI_EN = [
    "The Prime Minister chaired a high-level meeting in New Delhi on Monday.",
    "The meeting discussed the target of a 3.5 percent growth rate.",
    "Will the government be able to achieve this target?",
    'The opposition said, "This is just a dream."',
    "Dr. Sharma said the talks would continue.",
]
UR = [
    "وزیر اعظم نے پیر کے روز اسلام آباد میں وفاقی کابینہ کے اجلاس کی صدارت کی۔",
    "اجلاس میں مہنگائی کی شرح 3.5 فیصد تک لانے پر غور کیا گیا۔",
    "کیا حکومت یہ ہدف حاصل کر سکے گی؟",
    "وزیر خزانہ نے کہا کہ ہم پرامید ہیں۔",
]
UR_EN = [
    "The Prime Minister chaired a meeting of the federal cabinet in Islamabad on Monday.",
    "The meeting considered bringing the inflation rate down to 3.5 percent.",
    "Can the government achieve this target?",
    "The finance minister said they were hopeful.",
]
EL = [
    "Ο πρωθυπουργός συναντήθηκε την Τρίτη με την πρόεδρο της Κομισιόν στις Βρυξέλλες.",
    "Συζήτησαν π.χ. την ενέργεια και τη μετανάστευση· η ανάπτυξη αναμένεται στο 2,5%.",
    "Θα υπάρξει συμφωνία έως τον Ιούνιο;",
    "Ο κ. Παπαδόπουλος δήλωσε αισιόδοξος.",
]
EL_EN = [
    "The prime minister met the President of the Commission in Brussels on Tuesday.",
    "They discussed e.g. energy and migration; growth is expected at 2.5%.",
    "Will there be an agreement by June?",
    "Mr. Papadopoulos said he was optimistic.",
]
HE = [
    "ראש הממשלה נפגש היום בירושלים עם שר החוץ האמריקני.",
    "השניים דנו בהסכם הסחר ובמצב הביטחוני.",
    "האם יושג הסכם עד סוף החודש?",
    'לדברי א. כהן, הפגישה הייתה "חיובית מאוד".',
    'צה"ל הודיע על הקלות במעברים.',
]
HE_EN = [
    "The prime minister met the U.S. secretary of state in Jerusalem today.",
    "The two discussed the trade agreement and the security situation.",
    "Will an agreement be reached by the end of the month?",
    'According to A. Cohen, the meeting was "very positive."',
    "The IDF announced eased restrictions at the crossings.",
]
HY = [
    "Վարչապետը երեքշաբթի օրը Բրյուսելում հանդիպեց Եվրոպական հանձնաժողովի նախագահի հետ։",
    "Կողմերը քննարկեցին էներգետիկ համագործակցությունը. տնտեսական աճը կկազմի 5,5 տոկոս։",
    "Ինչո՞ւ է հանդիպումը կարևոր։",
    "Փորձագետները կարծում են, որ այն նոր հնարավորություններ կբացի։",
]
DE = [
    "Am 3. Oktober feiert Deutschland den Tag der Deutschen Einheit.",
    "Bundeskanzler Scholz erinnerte z. B. an die Folgen des 2. Weltkriegs und an die Zeit nach 1990.",
    "Die Feier in Hamburg kostete ca. 2 Mio. Euro, sagte Dr. Müller von der Stadtverwaltung.",
    "Er sagte: „Wir sind dankbar.“",
    "Danach sprach die Ministerin.",
]
FR = [
    "M. Macron a reçu lundi à l'Élysée Mme Meloni et le chancelier allemand.",
    f"«{NBSP}Nous avons beaucoup avancé.{NBSP}»",
    f"Les discussions ont porté, p. ex. sur le prix du gaz, en baisse de 3,5{NBSP}% depuis janvier.",
    "Un accord est attendu avant l'été sur l'énergie, les transports, etc.",
    "Le prochain sommet aura lieu à Rome.",
]
RU = [
    "Президент России 5 марта посетил МГУ им. Ломоносова.",
    "В 2023 г. в университете учились более 50 тыс. студентов.",
    "Ректор, т. е. глава вуза, рассказал о новых программах, грантах и т. д.",
    "Следующий визит запланирован на осень.",
]
PARAGRAPHS = {"zh": ZH, "ja": JA, "hi": HI, "ur": UR, "el": EL, "he": HE, "hy": HY, "de": DE, "fr": FR, "ru": RU}
#: Chinese and Japanese put no space between sentences; the others one space.
JOINERS = {"zh": "", "ja": ""}


@pytest.mark.parametrize("lang", sorted(PARAGRAPHS))
def test_news_paragraph_is_cut_into_its_sentences(lang):
    expected = PARAGRAPHS[lang]
    text = JOINERS.get(lang, " ").join(expected)
    assert sentences(text, lang) == expected
    # the same sentences one per line, and with a second paragraph: the paragraph index follows
    assert sentences("\n".join(expected), lang) == expected
    paragraphs, found = segment(text + "\n\n" + text, lang)
    assert len(paragraphs) == 2 and [s.paragraph for s in found] == [0] * len(expected) + [1] * len(expected)


# -- the rules one by one ------------------------------------------------------------------------------------------

EXAMPLES = [
    # Chinese/Japanese: no space after 。！？．, closing quotes and brackets stay, 。」 is a break unless と follows
    ("zh", "会议结束了。他说：“好。”然后离开！真的吗？是的……", ["会议结束了。", "他说：“好。”", "然后离开！", "真的吗？", "是的……"]),
    ("zh", "「我们会赢。」他说。增长3.5%。", ["「我们会赢。」", "他说。", "增长3.5%。"]),
    ("zh", "这是什么？！（记者注：不清楚。）好。", ["这是什么？！", "（记者注：不清楚。）", "好。"]),
    ("zh", "他问：“为什么？”，然后走了。", ["他问：“为什么？”，然后走了。"]),  # a comma is no start
    ("zh", "真的吗?他问。iPhone新款发布。2024年开始。", ["真的吗?", "他问。", "iPhone新款发布。", "2024年开始。"]),
    ("zh", "访问 www.xinhua.net 或 U.S. 网站。好", ["访问 www.xinhua.net 或 U.S. 网站。", "好"]),
    ("ja", "「行きます。」と彼は言った。「行きます。」ところが、来なかった。",
     ["「行きます。」と彼は言った。", "「行きます。」", "ところが、来なかった。"]),
    ("ja", "増加率は３．５％だった。Yahoo!ニュースによると、雨だ。本当!?はい｡", ["増加率は３．５％だった。",
     "Yahoo!ニュースによると、雨だ。", "本当!?", "はい｡"]),
    ("ja", "『ノルウェイの森』を読んだ？　読んだ。", ["『ノルウェイの森』を読んだ？", "読んだ。"]),
    # Devanagari: danda and double danda, also ? and !; "." is no terminal (Marathi excepted)
    ("hi", "यह अच्छा है। वह गया॥ क्या? हाँ! iPhone बिका।", ["यह अच्छा है।", "वह गया॥", "क्या?", "हाँ!", "iPhone बिका।"]),
    ("hi", "बी.जे.पी. ने 3.5 प्रतिशत कहा।वह गया।", ["बी.जे.पी. ने 3.5 प्रतिशत कहा।", "वह गया।"]),
    ("ne", "नेपालमा चुनाव सम्पन्न भयो। परिणाम भोलि आउँछ।", ["नेपालमा चुनाव सम्पन्न भयो।", "परिणाम भोलि आउँछ।"]),
    ("mr", "मुंबईत पाऊस सुरू आहे. डॉ. पाटील म्हणाले की शाळा बंद राहतील.", ["मुंबईत पाऊस सुरू आहे.",
     "डॉ. पाटील म्हणाले की शाळा बंद राहतील."]),
    # Urdu and Persian: ۔ and ؟ (the Arabic-script rules)
    ("ur", "کیا آپ آئیں گے؟ جی ہاں۔ شرح 3.5 فیصد ہے۔", ["کیا آپ آئیں گے؟", "جی ہاں۔", "شرح 3.5 فیصد ہے۔"]),
    ("fa", "آیا او می‌آید؟ بله. نرخ ۳٫۵ درصد است.", ["آیا او می‌آید؟", "بله.", "نرخ ۳٫۵ درصد است."]),
    # Greek: ";" and U+037E are question marks, the ano teleia is not a terminal
    ("el", "Πού είσαι\u037e Εδώ· έρχομαι. Τι έγινε; τίποτα.", ["Πού είσαι\u037e", "Εδώ· έρχομαι.", "Τι έγινε; τίποτα."]),
    ("el", "Ήρθαν οι κκ. Νικολάου και Δρ. Ιωάννου, κ.λπ. Η συνάντηση έληξε.",
     ["Ήρθαν οι κκ. Νικολάου και Δρ. Ιωάννου, κ.λπ.", "Η συνάντηση έληξε."]),
    # Armenian: ։ (or ":") ends, "." is a colon, ՞ sits on a word
    ("hy", "Ո՞վ է եկել։ Նա ասաց. «Լավ է»։ Վերջ: Ժամը 10:30-ին։",
     ["Ո՞վ է եկել։", "Նա ասաց. «Լավ է»։", "Վերջ:", "Ժամը 10:30-ին։"]),
    # Hebrew: Latin punctuation, no case: a lowercase Latin word opens the next sentence
    ("he", "המכירות עלו ב-3.5 אחוז. iPhone נמכר היטב. מה הלאה?", ["המכירות עלו ב-3.5 אחוז.", "iPhone נמכר היטב.",
     "מה הלאה?"]),
    # German: ordinals after articles or before months, abbreviations, „…“ and »…« quotes
    ("de", "Der 1. FC Köln spielt in der 2. Bundesliga. Am Ende waren es 150. Die Polizei zählte mit.",
     ["Der 1. FC Köln spielt in der 2. Bundesliga.", "Am Ende waren es 150.", "Die Polizei zählte mit."]),
    ("de", "Vom 3. bis 5. März tagt der Rat. Er wurde 1950 geboren. Im Jahr 2021. Danach nichts.",
     ["Vom 3. bis 5. März tagt der Rat.", "Er wurde 1950 geboren.", "Im Jahr 2021.", "Danach nichts."]),
    ("de", "Siehe Nr. 5 und Art. 3 GG, bzw. Abs. 2. »Genug.« Er ging. Äpfel, Birnen usw. Das war's.",
     ["Siehe Nr. 5 und Art. 3 GG, bzw. Abs. 2.", "»Genug.«", "Er ging.", "Äpfel, Birnen usw.", "Das war's."]),
    # French: M. / Mme, av. J.-C., p. ex., « … » with no-break spaces
    ("fr", "Jules César conquiert la Gaule vers 52 av. J.-C. Les Gaulois résistent. Voir p. ex. Alésia.",
     ["Jules César conquiert la Gaule vers 52 av. J.-C.", "Les Gaulois résistent.", "Voir p. ex. Alésia."]),
    ("fr", "«\u202fVraiment\u202f?\u202f» Il sourit. MM. Dupont et Durand, au no 5, rue Victor-Hugo.",
     ["«\u202fVraiment\u202f?\u202f»", "Il sourit.", "MM. Dupont et Durand, au no 5, rue Victor-Hugo."]),
    # Russian: г. after a year may end a sentence, г. before a city never; и т. д. and и др. may end one
    ("ru", "Он родился в 1950 г. Потом переехал в г. Москва, ул. Тверская, и др. Конец.",
     ["Он родился в 1950 г.", "Потом переехал в г. Москва, ул. Тверская, и др.", "Конец."]),
    ("ru", "Он сказал: «Мы победим.» Потом ушёл. „Да.“ Всё, т. е. конец.",
     ["Он сказал: «Мы победим.»", "Потом ушёл.", "„Да.“", "Всё, т. е. конец."]),
    # Spanish and Italian
    ("es", "El Sr. García y la Dra. López viajaron a EE. UU. El viaje duró tres días. Llegaron a EE. UU. ayer.",
     ["El Sr. García y la Dra. López viajaron a EE. UU.", "El viaje duró tres días.", "Llegaron a EE. UU. ayer."]),
    ("it", "Il Sig. Rossi e il dott. Bianchi lavorano per la Fiat S.p.A. La Sig.ra Verdi, ecc. Fine.",
     ["Il Sig. Rossi e il dott. Bianchi lavorano per la Fiat S.p.A.", "La Sig.ra Verdi, ecc.", "Fine."]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), EXAMPLES)
def test_sentence_examples(lang, text, expected):
    assert sentences(text, lang) == expected


def test_language_codes():
    for code, lang in [("zh-Hant", "zh"), ("zh_TW", "zh"), ("cmn", "zh"), ("jpn", "ja"), ("hin", "hi"), ("iw", "he"),
                       ("ell", "el"), ("hye", "hy"), ("deu", "de"), ("fra", "fr"), ("rus", "ru"), ("urd", "ur")]:
        assert rules_for(code) is LANGUAGES[lang], code
    assert rules_for("de") is rules_for("pl")  # German's table is the Latin fallback
    assert "։" in rules_for("hy").terminals and "." not in rules_for("hy").terminals
    assert "." not in rules_for("zh").terminals and "." not in rules_for("hi").terminals


# -- properties: random CJK / Devanagari text ---------------------------------------------------------------------

CJK = list("我们会赢他说中国市場政府は対策をしたと述べ") + ["ところ", "って", "Apple", "Yahoo", "3.5", "３．５", "2024"]
INDIC = list("कखगमनरसह") + ["\u093e", "\u093f", "\u0947", "\u094d", "\u0902", "डॉ.", "बी.जे.पी.", "१२"]
MARKS = list("。｡．！？!?….;:,，、；：।॥\u037e·։۔؟") + list("「」『』（）“”‘’\"'«»„")
SPACES = [" ", " ", "\u3000", NBSP, "\u200b", "\u200f", "\n", "\r\n", "\u2029"]
mixed_text = st.lists(st.sampled_from(CJK + INDIC + MARKS + SPACES + ["Mr", "U.S.", "x"]), max_size=60).map("".join)
script_languages = st.sampled_from(["zh", "ja", "hi", "mr", "ur", "el", "he", "hy", "ko", "de", "fr", "ru"])


def _visible(ch: str) -> bool:
    """The test's own definition of content: not whitespace, a control or a format character."""
    return unicodedata.category(ch) not in {"Cf", "Zs", "Zl", "Zp", "Cc"}


@settings(max_examples=200, deadline=None)
@given(mixed_text, script_languages)
@example("「好。」と", "ja")
@example("３．\n５", "ja")
@example("。！」x", "zh")
def test_sentences_are_ordered_inside_paragraphs_and_strip_equal(text, lang):
    paragraphs, found = segment(text, lang)
    cursor = 0
    for index, (p_start, p_end) in enumerate(paragraphs):
        inside = [s for s in found if s.paragraph == index]
        assert inside, "every paragraph has a sentence"
        assert inside[0].start == p_start and inside[-1].end == p_end
        for s in inside:
            assert cursor <= s.start < s.end <= p_end and s.start >= p_start
            piece = text[s.start : s.end]
            assert piece.strip() == piece and _visible(piece[0]) and _visible(piece[-1])
            gap = text[cursor : s.start]
            assert not any(_visible(ch) for ch in gap), f"visible {gap!r} fell between sentences"
            cursor = s.end
    assert not any(_visible(ch) for ch in text[cursor:])
    # whole text and per-sentence segmentation agree
    assert sentence_spans(text, lang) == [(s.start, s.end) for s in found]
    for s in found:
        assert sentence_spans(text, lang, s.start, s.end) == [(s.start, s.end)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(CJK[:20]), min_size=1, max_size=8).map("".join),
                          st.sampled_from(["。", "！", "？", "？！", "。」", "……", "！』"])), min_size=1, max_size=6))
def test_generated_chinese_sentences_are_recovered(pairs):
    quotes = {"」": "「", "』": "『"}
    made = [quotes.get(mark[-1], "") + body + mark for body, mark in pairs]
    assert sentences("".join(made), "zh") == made


# -- xling compare on each script ----------------------------------------------------------------------------------

COMPARE = {"zh": (ZH, ZH_EN), "ja": (JA, JA_EN), "hi": (HI, HI_EN), "ur": (UR, UR_EN), "el": (EL, EL_EN),
           "he": (HE, HE_EN)}


@pytest.mark.parametrize("lang", sorted(COMPARE))
def test_compare_segments_the_source_side(lang, tmp_path, capsys):
    source_sentences, english = COMPARE[lang]
    source = JOINERS.get(lang, " ").join(source_sentences) + "\n"
    src, tgt = tmp_path / f"article.{lang}.txt", tmp_path / "article.en.txt"
    src.write_text(source, encoding="utf-8")
    tgt.write_text(" ".join(english) + "\n", encoding="utf-8")
    code = main(["compare", str(src), str(tgt), "--model", "none", "--json", "--source-lang", lang,
                 "--target-lang", "en"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"]["lang"] == lang and doc["source"]["text"] == source
    got = [source[s["start"] : s["end"]] for s in doc["sentences"]["source"]]
    assert got == source_sentences
    target = doc["target"]["text"]
    assert [target[s["start"] : s["end"]] for s in doc["sentences"]["target"]] == english
    covered = sorted(i for bead in doc["alignment"] for i in bead["source"])
    assert covered == list(range(len(source_sentences)))


def test_long_chinese_sentence_splits_at_a_comma():
    from xling.text.segment import split_long

    text = "今年国内生产总值增长预期目标为百分之五左右，居民消费价格涨幅控制在百分之三以内。"
    pieces = split_long(text, 0, len(text), len, 30)
    assert [text[s:e] for s, e in pieces] == ["今年国内生产总值增长预期目标为百分之五左右，", "居民消费价格涨幅控制在百分之三以内。"]
