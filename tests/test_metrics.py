"""Hand-computed checks of xstilts.evaluation.metrics against the official XTREME(-R) scoring rules."""

import pytest

from xstilts.evaluation.metrics import (
    METRICS,
    accuracy,
    map_at_k,
    mlqa_normalize,
    mlqa_scores,
    retrieval_accuracy,
    seqeval_scores,
    squad_normalize,
    squad_scores,
)

approx = pytest.approx

# --------------------------------------------------------------------------- accuracy


def test_accuracy_hand_computed():
    # matches at positions 0 and 2 -> 2/4 = 50%
    assert accuracy([1, 0, 2, 2], [1, 1, 2, 0]) == {"accuracy": approx(50.0)}
    assert accuracy(["entailment"], ["entailment"])["accuracy"] == approx(100.0)


@pytest.mark.parametrize("preds,refs", [([1, 2], [1]), ([], [])])
def test_accuracy_validates(preds, refs):
    with pytest.raises(ValueError):
        accuracy(preds, refs)


# --------------------------------------------------------------------------- seqeval


def test_seqeval_split_entity():
    # gold: PER(0-1), LOC(3); pred: PER(0), PER(1), LOC(3) -> 1 correct (LOC)
    # P = 1/3, R = 1/2, F1 = 2*(1/3)*(1/2)/(1/3+1/2) = (1/3)/(5/6) = 0.4
    out = seqeval_scores([["B-PER", "B-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-LOC"]])
    assert out == {"f1": approx(40.0), "precision": approx(100 / 3), "recall": approx(50.0)}


def test_seqeval_i_without_b_starts_entity():
    # "I-PER I-PER" is read as one PER(0-1) entity (conlleval default mode) -> exact match
    assert seqeval_scores([["I-PER", "I-PER"]], [["B-PER", "I-PER"]])["f1"] == approx(100.0)
    # "O I-LOC" == "O B-LOC"; second sentence: pred misses ORG -> P = 1/1, R = 1/2, F1 = 2/3
    out = seqeval_scores([["O", "I-LOC"], ["O", "O"]], [["O", "B-LOC"], ["B-ORG", "O"]])
    assert out["precision"] == approx(100.0)
    assert out["recall"] == approx(50.0)
    assert out["f1"] == approx(200 / 3)


def test_seqeval_nothing_predicted_is_zero():
    out = seqeval_scores([["O", "O"]], [["B-PER", "O"]], token_accuracy=True)
    assert out["f1"] == 0.0 and out["precision"] == 0.0 and out["recall"] == 0.0
    assert out["token_accuracy"] == approx(50.0)  # 1 of 2 tokens right


def test_seqeval_pos_tags_are_chunked():
    # bare UPOS tags: first char = prefix, rest = type; identical neighbours merge.
    # gold chunks: DET(0) NOUN(1-2) VERB(3); pred: DET(0) NOUN(1) VERB(2-3)
    # only DET matches -> P = R = F1 = 1/3, while token accuracy = 3/4
    out = seqeval_scores(
        [["DET", "NOUN", "VERB", "VERB"]], [["DET", "NOUN", "NOUN", "VERB"]], token_accuracy=True
    )
    assert out["f1"] == approx(100 / 3)
    assert out["precision"] == approx(100 / 3)
    assert out["token_accuracy"] == approx(75.0)


def test_seqeval_pos_f1_vs_token_accuracy():
    # all neighbours differ -> every tag is its own chunk and F1 == accuracy:
    # gold DET ADJ VERB, pred DET NOUN VERB: 2 of 3 chunks / tokens right
    out = seqeval_scores([["DET", "NOUN", "VERB"]], [["DET", "ADJ", "VERB"]], token_accuracy=True)
    assert out["f1"] == approx(200 / 3) and out["token_accuracy"] == approx(200 / 3)
    # SCONJ reads as an S- (single-token) chunk, so "SCONJ SCONJ" is two chunks, while
    # "NOUN NOUN" would be one. gold: S(0) S(1) NOUN(2) VERB(3) = 4 chunks;
    # pred: S(0) S(1) NOUN(2-3) = 3 chunks; 2 correct -> P = 2/3, R = 2/4,
    # F1 = 2*(2/3)*(1/2)/(2/3+1/2) = (2/3)/(7/6) = 4/7; token accuracy 3/4
    out = seqeval_scores(
        [["SCONJ", "SCONJ", "NOUN", "NOUN"]],
        [["SCONJ", "SCONJ", "NOUN", "VERB"]],
        token_accuracy=True,
    )
    assert out["precision"] == approx(200 / 3)
    assert out["recall"] == approx(50.0)
    assert out["f1"] == approx(400 / 7)
    assert out["token_accuracy"] == approx(75.0)
    # token accuracy is pooled over tokens, not averaged over sentences: 1/1 + 0/3 -> 1/4
    out = METRICS["seqeval_pos"]([["NOUN"], ["VERB", "ADP", "DET"]], [["NOUN"], ["AUX"] * 3])
    assert out["token_accuracy"] == approx(25.0)


def test_seqeval_pos_sentence_final_x_not_counted():
    # "X" has type "_" like the "O" sentinel, so a sentence-final X chunk never closes.
    # gold chunks: NOUN(0) only; pred: VERB(0) -> 0 correct -> F1 0 (50 if X counted)
    out = seqeval_scores([["VERB", "X"]], [["NOUN", "X"]], token_accuracy=True)
    assert out["f1"] == 0.0
    assert out["token_accuracy"] == approx(50.0)


def test_seqeval_wrong_boundary_or_type_gets_no_credit():
    # gold PER(0-1); pred PER(0-2) overshoots -> P = 0/1, R = 0/1, F1 = 0
    out = seqeval_scores([["B-PER", "I-PER", "I-PER"]], [["B-PER", "I-PER", "O"]])
    assert out == {"f1": 0.0, "precision": 0.0, "recall": 0.0}
    # gold LOC(0-1); pred LOC(0) undershoots -> 0
    assert seqeval_scores([["B-LOC", "O"]], [["B-LOC", "I-LOC"]])["f1"] == 0.0
    # right span, wrong type -> 0
    assert seqeval_scores([["B-ORG", "I-ORG"]], [["B-PER", "I-PER"]])["f1"] == 0.0
    # gold PER(0-1), LOC(3-4); pred PER(0-1), LOC(3): P = 1/2, R = 1/2, F1 = 1/2
    out = seqeval_scores(
        [["B-PER", "I-PER", "O", "B-LOC", "O"]], [["B-PER", "I-PER", "O", "B-LOC", "I-LOC"]]
    )
    assert out["f1"] == approx(50.0)


def test_seqeval_i_of_other_type_and_sentence_breaks():
    # default mode: "B-PER I-LOC" is PER(0) + LOC(1), same as "B-PER B-LOC" -> F1 100
    assert seqeval_scores([["B-PER", "I-LOC"]], [["B-PER", "B-LOC"]])["f1"] == approx(100.0)
    # an I- continuing a different type: gold PER(0-1); pred PER(0), LOC(1) -> P 0/2, R 0/1
    assert seqeval_scores([["B-PER", "I-LOC"]], [["B-PER", "I-PER"]])["f1"] == 0.0
    # an entity never continues into the next sentence (seqeval inserts an "O" between
    # sentences): pred [B-PER] [I-PER] = PER(s0) + PER(s1), like gold [B-PER] [B-PER]
    assert seqeval_scores([["B-PER"], ["I-PER"]], [["B-PER"], ["B-PER"]])["f1"] == approx(100.0)


@pytest.mark.parametrize(
    "pred,gold",
    [([["O"]], [["O"], ["O"]]), ([["O", "O"]], [["O"]]), ([], [])],
)
def test_seqeval_validates(pred, gold):
    with pytest.raises(ValueError):
        seqeval_scores(pred, gold)


# --------------------------------------------------------------------------- SQuAD


def test_squad_hand_computed_with_missing_prediction():
    refs = {"q1": ["Denver Broncos"], "q2": ["the Eiffel Tower", "Eiffel"], "q3": ["1990"]}
    preds = {"q1": "Broncos", "q2": "The Eiffel Tower!", "extra": "ignored"}
    # q1: [broncos] vs [denver, broncos]: P=1, R=1/2, F1=2/3, EM 0
    # q2: "eiffel tower" == "eiffel tower": F1 1, EM 1
    # q3: unanswered -> 0, 0
    # F1 = (2/3 + 1 + 0)/3 = 5/9; EM = 1/3
    out = squad_scores(preds, refs)
    assert out == {"f1": approx(500 / 9), "exact_match": approx(100 / 3), "n": 3}


def test_squad_max_over_gold():
    # vs "the Eiffel Tower": [eiffel] vs [eiffel, tower] -> F1 2/3, EM 0; vs "Eiffel": 1, 1
    out = squad_scores({"q": "Eiffel"}, {"q": ["the Eiffel Tower", "Eiffel"]})
    assert out["f1"] == approx(100.0) and out["exact_match"] == approx(100.0)


def test_squad_repeated_tokens_counter_overlap():
    # pred [cat, cat, cat] ("the" dropped), gold [cat, sat]: overlap min(3,1) = 1
    # P = 1/3, R = 1/2, F1 = 2*(1/6)/(5/6) = 0.4
    assert squad_scores({"q": "the cat cat cat"}, {"q": ["cat sat"]})["f1"] == approx(40.0)


def test_squad_empty_and_punctuation_only():
    assert squad_scores({"q": ""}, {"q": ["Paris"]}) == {"f1": 0.0, "exact_match": 0.0, "n": 1}
    # both normalise to "": EM 1, but F1 0 (no common tokens)
    assert squad_scores({"q": "!!!"}, {"q": ["..."]})["exact_match"] == approx(100.0)
    assert squad_scores({"q": "!!!"}, {"q": ["..."]})["f1"] == 0.0
    assert squad_scores({"q": "The"}, {"q": ["a"]})["exact_match"] == approx(100.0)


def test_squad_empty_prediction_official_rules():
    # "" vs "Paris": EM 0; no tokens -> num_same 0 -> F1 0
    assert squad_scores({"q": ""}, {"q": ["Paris"]})["f1"] == 0.0
    # "" vs "The": both normalise to "" -> EM 1 ("" == ""), but F1 0 (num_same 0),
    # exactly as evaluate-v1.1.py (it has no both-empty special case, unlike v2.0)
    out = squad_scores({"q": ""}, {"q": ["The"]})
    assert out["exact_match"] == approx(100.0) and out["f1"] == 0.0
    # EM and F1 maxima may come from different gold answers: EM 1 from "an", F1 0 from both
    out = squad_scores({"q": "   "}, {"q": ["an", "Paris"]})
    assert out["exact_match"] == approx(100.0) and out["f1"] == 0.0


def test_squad_punctuation_only_against_real_answer():
    # "?!" -> "" vs [paris]: EM 0, F1 0; and the reverse
    assert squad_scores({"q": "?!"}, {"q": ["Paris"]}) == {"f1": 0.0, "exact_match": 0.0, "n": 1}
    assert squad_scores({"q": "Paris"}, {"q": ["--"]}) == {"f1": 0.0, "exact_match": 0.0, "n": 1}
    # punctuation inside a token joins its halves: "U.S.-based" -> "usbased" (one token)
    assert squad_normalize("U.S.-based") == "usbased"
    # [usbased, firm] vs [usbased]: P = 1/2, R = 1 -> F1 2/3
    assert squad_scores({"q": "U.S.-based firm"}, {"q": ["U.S.-based"]})["f1"] == approx(200 / 3)


def test_squad_average_over_all_gold_questions():
    refs = {"a": ["x y"], "b": ["z"], "c": ["w"], "d": ["v"]}
    # a: [x] vs [x, y] -> F1 2/3, EM 0; b: exact -> 1, 1; c, d missing -> 0, 0
    # F1 = (2/3 + 1)/4 = 5/12; EM = 1/4
    out = squad_scores({"a": "x", "b": "Z."}, refs)
    assert out == {"f1": approx(500 / 12), "exact_match": approx(25.0), "n": 4}
    # no prediction at all -> 0 / 0 over the 4 gold questions
    assert squad_scores({}, refs) == {"f1": 0.0, "exact_match": 0.0, "n": 4}


def test_squad_normalisation_details():
    assert squad_normalize("  The  Theater, an   ART!  ") == "theater art"
    # SQuAD drops only ASCII punctuation: guillemets survive -> no match
    assert squad_normalize("«Paris»") == "«paris»"
    assert squad_scores({"q": "«Paris»"}, {"q": ["Paris"]})["f1"] == 0.0


@pytest.mark.parametrize("refs", [{}, {"q": []}, {"q": "Paris"}])
def test_squad_validates(refs):
    with pytest.raises(ValueError):
        squad_scores({"q": "Paris"}, refs)


# --------------------------------------------------------------------------- MLQA


def test_mlqa_chinese_mixed_segmentation():
    # each CJK char is a token: [北, 京] vs [北, 京, 大, 学]: P=1, R=2/4, F1 = 2/3
    out = mlqa_scores({"q": "北京"}, {"q": ["北京大学"]}, "zh")
    assert out["f1"] == approx(200 / 3) and out["exact_match"] == 0.0
    # "2008年北京奥运会" -> [2008, 年, 北, 京, 奥, 运, 会] (7) vs 5 chars, 5 common
    # P = 5/7, R = 1, F1 = 2*(5/7)/(12/7) = 5/6
    assert mlqa_normalize("2008年北京奥运会", "zh") == "2008 年 北 京 奥 运 会"
    assert mlqa_scores({"q": "2008年北京奥运会"}, {"q": ["北京奥运会"]}, "zh")["f1"] == approx(
        250 / 3
    )
    # latin run stays one token: [iphone, 手, 机] vs [iphone]: P=1/3, R=1 -> F1 = 0.5
    assert mlqa_scores({"q": "iPhone手机"}, {"q": ["iphone"]}, "zh")["f1"] == approx(50.0)
    # full-width punctuation removed -> exact match
    assert mlqa_scores({"q": "“北京。”"}, {"q": ["北京"]}, "zh")["exact_match"] == approx(100.0)
    # without mixed segmentation "北京" vs "北京大学" are different single tokens
    assert mlqa_scores({"q": "北京"}, {"q": ["北京大学"]}, "hi")["f1"] == 0.0


def test_mlqa_arabic_al_removed_everywhere():
    # official re.sub('\sال^|ال', ' ', ...) removes every 'ال', also inside words
    assert mlqa_normalize("الكتاب", "ar") == "كتاب"
    assert mlqa_normalize("مالك", "ar") == "م ك"
    assert mlqa_scores({"q": "كتاب"}, {"q": ["الكتاب"]}, "ar")["exact_match"] == approx(100.0)
    # [م, ك] vs [م]: P = 1/2, R = 1 -> F1 = 2/3
    assert mlqa_scores({"q": "مالك"}, {"q": ["م"]}, "ar")["f1"] == approx(200 / 3)


def test_mlqa_spanish_german_vietnamese_articles():
    assert mlqa_scores({"q": "casa"}, {"q": ["La casa"]}, "es")["exact_match"] == approx(100.0)
    assert mlqa_normalize("El Niño y los niños", "es") == "niño y niños"
    assert mlqa_normalize("Der Spiegel, dem Haus", "de") == "spiegel haus"
    assert mlqa_normalize("Derby", "de") == "derby"  # word boundary respected
    assert mlqa_normalize("cái bàn", "vi") == "bàn"
    # English does not strip Spanish articles: [la, casa] vs [casa]: P=1/2, R=1 -> F1 2/3
    assert mlqa_scores({"q": "la casa"}, {"q": ["casa"]}, "en")["f1"] == approx(200 / 3)
    # Hindi strips no articles at all
    assert mlqa_scores({"q": "the x"}, {"q": ["x"]}, "hi")["f1"] == approx(200 / 3)


def test_mlqa_unicode_punctuation_and_missing():
    refs = {"q1": ["Paris"], "q2": ["Rome", "Roma"]}
    # q1: «Paris» -> "paris" (Unicode P* removed): 1/1; q2 unanswered: 0 -> 50 / 50
    out = mlqa_scores({"q1": "«Paris»"}, refs, "en")
    assert out == {"f1": approx(50.0), "exact_match": approx(50.0), "n": 2}
    # ASCII symbols of string.punctuation ($ + ^ | ~, Unicode category S*) go too
    assert mlqa_normalize("$100 + tax ^|~", "en") == "100 tax"
    # punctuation-only on both sides: EM 1, F1 0
    out = mlqa_scores({"q": "¿?"}, {"q": ["—"]}, "es")
    assert out["exact_match"] == approx(100.0) and out["f1"] == 0.0


def test_mlqa_chinese_more_cases():
    # [纽, 约, 时, 报] vs [时, 报]: P = 2/4, R = 1 -> F1 = 2/3
    assert mlqa_scores({"q": "纽约时报"}, {"q": ["时报"]}, "zh")["f1"] == approx(200 / 3)
    # Counter overlap: [哈, 哈, 哈] vs [哈]: min(3, 1) = 1 -> P = 1/3, R = 1 -> F1 = 1/2
    assert mlqa_scores({"q": "哈哈哈"}, {"q": ["哈"]}, "zh")["f1"] == approx(50.0)
    # whitespace inside a latin run splits it: [new, york, 时, 报] vs [new, york]:
    # P = 2/4, R = 1 -> F1 = 2/3
    assert mlqa_normalize("New York时报", "zh") == "new york 时 报"
    assert mlqa_scores({"q": "New York时报"}, {"q": ["new york"]}, "zh")["f1"] == approx(200 / 3)
    # the official CJK class is [\u4e00-\u9fa5]: U+9FA6 ("龦") is not split per char
    assert mlqa_normalize("龦龦北北", "zh") == "龦龦 北 北"


def test_mlqa_punctuation_only_and_empty_prediction():
    # "。" -> "" vs [北, 京]: EM 0, F1 0
    out = mlqa_scores({"q": "。"}, {"q": ["北京"]}, "zh")
    assert out == {"f1": 0.0, "exact_match": 0.0, "n": 1}
    # "。、" vs "「」": both normalise to "" -> EM 1, F1 0 (num_same 0)
    out = mlqa_scores({"q": "。、"}, {"q": ["「」"]}, "zh")
    assert out["exact_match"] == approx(100.0) and out["f1"] == 0.0
    # "¿" vs "Madrid": 0 / 0
    assert mlqa_scores({"q": "¿"}, {"q": ["Madrid"]}, "es")["f1"] == 0.0
    # empty prediction: 0 / 0 against a real answer ...
    assert mlqa_scores({"q": ""}, {"q": ["Berlin"]}, "de") == {
        "f1": 0.0,
        "exact_match": 0.0,
        "n": 1,
    }
    # ... but EM 1 (F1 0) against a gold that is only an article: "la" -> ""
    out = mlqa_scores({"q": ""}, {"q": ["la"]}, "es")
    assert out["exact_match"] == approx(100.0) and out["f1"] == 0.0
    # Hindi danda (U+0964, category Po) is removed -> exact match
    assert mlqa_scores({"q": "दिल्ली।"}, {"q": ["दिल्ली"]}, "hi")["exact_match"] == approx(100.0)


def test_mlqa_arabic_partial_overlap():
    # gold "الكتاب الأحمر" -> [كتاب, أحمر]; pred "الكتاب" -> [كتاب]: P = 1, R = 1/2 -> F1 2/3
    assert mlqa_normalize("الكتاب الأحمر", "ar") == "كتاب أحمر"
    out = mlqa_scores({"q": "الكتاب"}, {"q": ["الكتاب الأحمر"]}, "ar")
    assert out["f1"] == approx(200 / 3) and out["exact_match"] == 0.0
    # 'ar' removes only 'ال', not English articles: [the, كتاب] vs [كتاب] -> F1 2/3
    assert mlqa_scores({"q": "the كتاب"}, {"q": ["كتاب"]}, "ar")["f1"] == approx(200 / 3)


def test_mlqa_german_spanish_vietnamese_scores():
    # de: "das Haus" -> [haus] == [haus] -> EM 1
    assert mlqa_scores({"q": "das Haus"}, {"q": ["Haus"]}, "de")["exact_match"] == approx(100.0)
    # de: [haus] vs "Haus der Familie" -> [haus, familie]: P = 1, R = 1/2 -> F1 2/3
    assert mlqa_scores({"q": "dem Haus"}, {"q": ["Haus der Familie"]}, "de")["f1"] == approx(
        200 / 3
    )
    # es: "unos libros" -> [libros]; "Unas Libros" (upper-case article) -> [libros] -> EM 1
    assert mlqa_scores({"q": "unos libros"}, {"q": ["Unas Libros"]}, "es")["exact_match"] == approx(
        100.0
    )
    # vi: the official list is của|là|cái|chiếc|những; "các" is NOT removed
    assert mlqa_normalize("các chiếc xe của tôi", "vi") == "các xe tôi"
    # [các, xe] vs [xe]: P = 1/2, R = 1 -> F1 2/3
    assert mlqa_scores({"q": "các xe"}, {"q": ["chiếc xe"]}, "vi")["f1"] == approx(200 / 3)


def test_mlqa_validates():
    with pytest.raises(ValueError, match="unknown language"):
        mlqa_scores({"q": "x"}, {"q": ["x"]}, "fr")
    with pytest.raises(ValueError):
        mlqa_scores({}, {}, "en")


# --------------------------------------------------------------------------- retrieval


def test_map_at_k_hand_computed():
    ranked = [["a", "x", "b", "y", "c"], ["z", "g", "w"]]
    gold = [["a", "b", "c"], ["g"]]
    # q1: hits at ranks 1, 3, 5: (1/1 + 2/3 + 3/5) / min(3, 20) = (34/15)/3 = 34/45
    # q2: hit at rank 2: (1/2) / 1 = 1/2;  mean = (34/45 + 1/2)/2 = 113/180
    assert map_at_k(ranked, gold) == {"map@20": approx(100 * 113 / 180)}
    assert METRICS["map@20"](ranked, gold)["map@20"] == approx(100 * 113 / 180)


def test_map_at_k_cutoff_and_divisor():
    # fewer gold than k (k=2, 2 gold): hit at rank 2 only (b at rank 3 is beyond k)
    # (1/2) / min(2, 2) = 0.25
    assert map_at_k([["x", "a", "b"]], [["a", "b"]], k=2) == {"map@2": approx(25.0)}
    # more gold than k: (1/1 + 2/2) / min(3, 2) = 1
    assert map_at_k([["a", "b", "c"]], [["a", "b", "c"]], k=2)["map@2"] == approx(100.0)
    # 1 gold, k=5: hit at rank 3 -> (1/3)/1
    assert map_at_k([["x", "y", "g"]], [["g"]], k=5)["map@5"] == approx(100 / 3)
    # gold at rank 21 is outside the top 20 -> 0
    ranked = [[f"c{i}" for i in range(20)] + ["g"]]
    assert map_at_k(ranked, [["g"]])["map@20"] == 0.0


def test_map_at_k_duplicates_count_once():
    # [a, a, b], gold {a, b}: rank1 hit 1/1; rank2 duplicate skipped; rank3 hit 2/3
    # (1 + 2/3) / 2 = 5/6
    assert map_at_k([["a", "a", "b"]], [["a", "b"]], k=3)["map@3"] == approx(500 / 6)


def test_map_at_20_many_gold_some_beyond_cutoff():
    gold = [f"g{i}" for i in range(11)]
    # hits at ranks 1, 2, 5, 10, 20; the other 6 gold ids at ranks 21-26 (outside top 20)
    ranked = [f"n{i}" for i in range(20)]
    for rank, g in zip([1, 2, 5, 10, 20], gold[:5], strict=True):
        ranked[rank - 1] = g
    ranked += gold[5:]
    # (1/1 + 2/2 + 3/5 + 4/10 + 5/20) / min(11, 20) = 3.25 / 11
    assert map_at_k([ranked], [gold]) == {"map@20": approx(100 * 3.25 / 11)}
    # more gold than k: 25 gold ids ranked first -> 20 hits of precision 1 / min(25, 20) = 1
    many = [f"g{i}" for i in range(25)]
    assert map_at_k([many], [many])["map@20"] == approx(100.0)


def test_map_at_k_no_hit_query_counts_zero():
    # q1: no gold id in the ranking -> AP 0; q2: hit at rank 1 -> 1; mean = 1/2
    assert map_at_k([["x", "y"], ["a"]], [["g"], ["a"]])["map@20"] == approx(50.0)
    # an empty ranking is a query without hits too
    assert map_at_k([[]], [["g"]])["map@20"] == 0.0


def test_map_at_k_equals_mrr_with_one_gold():
    ranked = [["g", "x"], ["x", "g"], ["x", "y", "z", "g"], ["x", "y"]]
    gold = [["g"]] * 4
    # ranks 1, 2, 4, none -> MRR = (1 + 1/2 + 1/4 + 0)/4 = 7/16
    mrr = sum(1 / (r.index("g") + 1) if "g" in r else 0.0 for r in ranked) / len(ranked)
    assert mrr == approx(7 / 16)
    assert map_at_k(ranked, gold)["map@20"] == approx(100 * mrr)


@pytest.mark.parametrize(
    "ranked,gold,k",
    [([["a"]], [["a"], ["b"]], 20), ([["a"]], [[]], 20), ([], [], 20), ([["a"]], [["a"]], 0)],
)
def test_map_at_k_validates(ranked, gold, k):
    with pytest.raises(ValueError):
        map_at_k(ranked, gold, k=k)


def test_retrieval_accuracy():
    ranked = [["a", "b"], ["c", "d"], ["e"], []]
    gold = [["a"], ["d"], ["f", "e"], ["x"]]
    # top-1 hits: q1 (a), q3 (e); q2 has gold at rank 2 only; q4 empty ranking -> 2/4
    assert retrieval_accuracy(ranked, gold) == {"accuracy": approx(50.0)}
    # only rank 1 counts, even if every other gold id follows: 1/1 + 0/1 -> 50
    assert METRICS["retrieval_accuracy"]([["a", "b"], ["x", "b"]], [["a"], ["b"]]) == {
        "accuracy": approx(50.0)
    }
    with pytest.raises(ValueError):
        retrieval_accuracy([["a"]], [])


def test_registry():
    assert set(METRICS) == {
        "accuracy",
        "seqeval",
        "seqeval_pos",
        "squad",
        "mlqa",
        "map@20",
        "retrieval_accuracy",
    }
    assert "token_accuracy" in METRICS["seqeval_pos"]([["NOUN", "VERB"]], [["NOUN", "NOUN"]])
    assert METRICS["mlqa"]({"q": "la casa"}, {"q": ["casa"]}, lang="es")["f1"] == approx(100.0)
