"""The aligner between distant languages: length units per script, priors that follow the sentence
counts, the bead shapes used between scripts, CJK punctuation anchors, corpus scoring, the bench's reader.

The Chinese/English text here is written for these tests (a short story told twice); the "MT" of the
Chinese is an English paraphrase written by hand, cut one line per Chinese sentence as an MT system
would return it, while the English translation cuts the same content into more sentences.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from xling.alignment.aligner import (
    BEAD_PRIORS,
    DISTANT_BEAD_TYPES,
    DISTANT_TRANSLATED_BEAD_TYPES,
    align,
    alignment_scores,
    corpus_alignment_scores,
    length_units,
    read_beads,
)
from xling.alignment.anchors import anchor_features, document_anchor_features
from test_align import check_cover

REPO = Path(__file__).resolve().parents[1]

ZH = [
    "那年冬天，我们在山脚下的小镇住了三个月。",
    "镇上只有一家饭馆，老板姓王，每天早上五点就开门，给赶路的人煮面条。",
    "他问我们从哪里来。",
    "我们说从北京来，要去看雪山，他听了哈哈大笑，说雪山不会跑，让我们先吃饭。",
    "第二天下了大雪。",
    "路被封了，我们哪里也去不了，只好坐在饭馆里看老板包饺子，听他讲年轻时当兵的故事，一直讲到天黑。",
    "第三天雪停了。",
    "我们终于上了山。",
]
# one line per Chinese sentence, as an MT system returns it
MT = [
    "That winter, we lived for three months in a small town at the foot of the mountain.",
    "There was only one restaurant in the town, the owner was surnamed Wang, he opened at five every morning and cooked noodles for travellers.",
    "He asked us where we came from.",
    "We said we came from Beijing to see the snow mountain, he laughed and said the snow mountain would not run away, and told us to eat first.",
    "It snowed heavily the next day.",
    "The road was closed, we could go nowhere, so we sat in the restaurant watching the owner make dumplings and listening to his stories of his army days until dark.",
    "On the third day the snow stopped.",
    "We finally went up the mountain.",
]
# the translator's English: the same story, cut into more sentences
EN = [
    "That winter we spent three months in a small town at the foot of the mountains.",  # 0
    "The town had a single restaurant.",  # 1
    "Its owner, a man named Wang, opened at five every morning.",  # 1
    "He cooked noodles for travellers on the road.",  # 1
    "He asked where we were from.",  # 2
    "From Beijing, we said, on our way to see the snow mountains.",  # 3
    "He roared with laughter: the mountains would not run away, and we had better eat first.",  # 3
    "The next day it snowed hard.",  # 4
    "The road was closed and we could go nowhere.",  # 5
    "We sat in the restaurant watching the owner fold dumplings.",  # 5
    "He told us stories of his years in the army until it was dark.",  # 5
    "On the third day the snow stopped.",  # 6
    "At last we climbed the mountain.",  # 7
]
GOLD = ["[0]:[0]", "[1]:[1, 2, 3]", "[2]:[4]", "[3]:[5, 6]", "[4]:[7]", "[5]:[8, 9, 10]", "[6]:[11]", "[7]:[12]"]


def test_chinese_english_with_the_mt_of_the_source_finds_the_1_2_and_1_3_beads():
    beads = [b.to_string() for b in align(ZH, EN, source_translations=MT)]
    assert beads == GOLD


# one more Chinese sentence, which the translator cut into five English ones
ZH_LONG = "老板的女儿十六岁，会说三种方言，每天放学后帮父亲洗碗，晚上在灯下写作业，周末还去镇上的小学教孩子们唱歌。"
MT_LONG = ("The owner's daughter was sixteen, spoke three dialects, helped her father wash dishes after school every "
           "day, did her homework under the lamp at night, and on weekends went to the town's primary school to teach "
           "the children to sing.")
EN_LONG = [
    "The owner had a daughter of sixteen.",
    "She spoke three dialects.",
    "After school she washed the dishes for her father.",
    "At night she did her homework under the lamp.",
    "On weekends she taught the children of the town's primary school to sing.",
]


def test_chinese_english_with_the_mt_finds_a_1_5_bead():
    """One Chinese sentence told in five English ones is one bead, not a 1-4 bead and a stray sentence."""
    zh, mt, en = ZH[:2] + [ZH_LONG] + ZH[2:], MT[:2] + [MT_LONG] + MT[2:], EN[:4] + EN_LONG + EN[4:]
    beads = align(zh, en, source_translations=mt)
    check_cover(beads, len(zh), len(en), DISTANT_TRANSLATED_BEAD_TYPES)
    assert "[2]:[4, 5, 6, 7, 8]" in [b.to_string() for b in beads]


def test_chinese_english_model_free_finds_the_beads_from_lengths():
    beads = align(ZH, EN)
    check_cover(beads, len(ZH), len(EN), DISTANT_BEAD_TYPES)
    assert [b.to_string() for b in beads] == GOLD


def test_length_units_put_han_characters_on_the_latin_scale():
    assert length_units("abc de") == 6.0
    assert length_units("我们上山") == 12.0  # Han: 3 units each
    assert length_units("かな") == 4.0 and length_units("한글") == 4.0
    assert length_units("王说：OK。") == 6.0 + 1 + 2 + 1  # punctuation and Latin count 1
    zh = sum(map(length_units, ZH))
    en = sum(map(len, EN))
    assert 0.7 < en / zh < 1.6  # comparable units: the prior variance means the same


def synthetic_split(seed: int, ratio: float, n: int = 60) -> tuple[list[str], list[str], list[str]]:
    """Han-letter source sentences, each translated as one, two or three Latin sentences (1:2:1) of
    ``ratio`` x its length units in all (+-20%), cut at random places. Returns source, target, gold."""
    rnd = random.Random(seed)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 500)]
    source, target, gold = [], [], []
    for i in range(n):
        size = rnd.randint(6, 40)
        source.append("".join(rnd.choice(han) for _ in range(size)) + "。")
        total = int(3 * size * ratio * rnd.uniform(0.8, 1.2))
        pieces = (1, 2, 2, 3)[i % 4]
        cuts = sorted(rnd.sample(range(1, total), pieces - 1))
        first = len(target)
        target += ["x" * max(1, b - a - 1) + "." for a, b in zip([0, *cuts], [*cuts, total])]
        gold.append(f"[{i}]:[{', '.join(str(j) for j in range(first, len(target)))}]")
    return source, target, gold


def test_the_length_ratio_and_the_split_rate_come_from_the_document():
    """Length alone, the same structure is found whatever the ratio of the two sides' lengths: the
    ratio, the variance and the bead priors are the document's own (the aligner before this measured
    and tilted nothing and found 24, 32 and 23 of the 60 beads here)."""
    for ratio in (0.6, 1.0, 2.5):
        source, target, gold = synthetic_split(seed=int(ratio * 10), ratio=ratio)
        beads = align(source, target)
        check_cover(beads, len(source), len(target), DISTANT_BEAD_TYPES)
        assert sum(b.to_string() in gold for b in beads) >= 0.55 * len(gold), ratio


def test_distant_scripts_search_only_the_distant_bead_shapes():
    source, target, _ = synthetic_split(seed=3, ratio=1.0, n=12)
    check_cover(align(source, target), len(source), len(target), DISTANT_BEAD_TYPES)
    everything = align(source, target, bead_types=list(BEAD_PRIORS))  # still allowed when asked for
    check_cover(everything, len(source), len(target))


han_or_latin = st.text(alphabet=st.sampled_from("我们上山雪。，？！abc xyz.?!“”0123"), max_size=30)


@settings(max_examples=50, deadline=None)
@given(st.lists(han_or_latin, max_size=10), st.lists(han_or_latin, max_size=10), st.booleans(), st.booleans())
def test_beads_cover_every_sentence_once_in_order(source, target, with_mt, adaptive):
    translations = [s[::-1] for s in source] if with_mt else None
    beads = align(source, target, source_translations=translations, adaptive=adaptive)
    check_cover(beads, len(source), len(target))
    assert all(0.0 <= b.score <= 1.0 for b in beads)


def test_cjk_punctuation_anchors_match_their_latin_forms():
    zh = anchor_features("你去哪里？“走吧！”……（完）", latin_self=False, latin_partner=True)
    en = anchor_features('Where are you going? "Let\'s go!" ... (end)', latin_self=True, latin_partner=False)
    for mark in ("?", "!", "…", "(", "Q"):
        assert zh.count(mark) == en.count(mark), mark


def test_no_name_skeletons_against_a_script_that_has_none():
    """Against Chinese, English names cannot be matched; they must not count against beads."""
    en = document_anchor_features(["Chen Qingyang stayed.", "She laughed."], ["陈清扬留下了。", "她笑了。"])
    assert not any(f.startswith(("n:", "w:")) for feats in en for f in feats)
    assert "t:chen" in en[0]
    arabic = document_anchor_features(["Putin spoke."], ["تحدث بوتين."])
    assert "n:BTN" in arabic[0]  # Arabic keeps its skeletons


def test_corpus_scores_sum_counts_over_documents():
    gold_a, test_a = read_beads("[0]:[0]\n[1]:[1, 2]\n"), read_beads("[0]:[0]\n[1]:[1]\n[]:[2]\n")
    gold_b, test_b = read_beads("[0, 1]:[0]\n[2]:[1]\n"), read_beads("[0, 1]:[0]\n[2]:[1]\n")
    assert corpus_alignment_scores([(gold_a, test_a)]) == alignment_scores(gold_a, test_a)
    both = corpus_alignment_scores([(gold_a, test_a), (gold_b, test_b)])
    # precision: 3 + 2 test beads, strict hits 1 + 2; recall: 2 + 2 gold beads, strict hits 1 + 2
    assert both["precision_strict"] == 3 / 5 and both["recall_strict"] == 3 / 4


def test_bench_reads_a_mac_style_folder(tmp_path):
    """eval/align_bench.py reads zh/NNN, zh/NNN.trans, en/NNN, gold/NNN.align and scores the documents."""
    for sub in ("zh", "en", "gold"):
        (tmp_path / sub).mkdir()
    (tmp_path / "zh" / "001").write_text("\n".join(ZH) + "\n", encoding="utf-8")
    (tmp_path / "zh" / "001.trans").write_text("\n".join(MT) + "\n", encoding="utf-8")
    (tmp_path / "en" / "001").write_text("\n".join(EN) + "\n", encoding="utf-8")
    (tmp_path / "gold" / "001.align").write_text("\n".join(GOLD) + "\n", encoding="utf-8")
    sys.path.insert(0, str(REPO / "eval"))
    try:
        import align_bench
    finally:
        sys.path.remove(str(REPO / "eval"))
    docs = align_bench.mac(tmp_path)
    assert len(docs) == 1 and docs[0].source_mt == MT
    row = align_bench.score("mt", docs, lambda d: {"source_translations": d.source_mt})
    assert row["f1_strict"] == 1.0
