"""Normalisation: script, width, case, squeezing and the extracted fields."""

from __future__ import annotations

from pipeline.text.normalize import normalize, normalize_many, squeeze


def test_weibo_repost_chain_is_split_from_the_own_words() -> None:
    n = normalize("已经回购第三次了//@蒙牛乳业:新品上市//@小王：转发微博")
    assert n.own_text == "已经回购第三次了"
    assert n.repost_chain == ["蒙牛乳业", "小王"]
    assert "新品上市" not in n.detect_text


def test_fields_of_a_real_weibo_post() -> None:
    # ced_original_posts: a traditional-script news post with a mention, emoticon and short link
    text = "【蘋果日報 】《王力宏 離家3個月返紐約娛親》 @王力宏 趁著1周的空檔假期[心] http://t.cn/zQQs33Q "
    n = normalize(text)
    assert n.urls == ["http://t.cn/zQQs33Q"]
    assert n.mentions == ["王力宏"]
    assert n.emoticons == ["[心]"]
    assert "苹果日报" in n.normalized and "蘋果" not in n.normalized
    assert "t.cn" not in n.normalized
    assert "@王力宏" not in n.detect_text and "[心]" not in n.detect_text


def test_hashtags_emoji_and_platform_emoticons() -> None:
    n = normalize("#苹果全球开发者大会#一朵云，多个设备[嘻嘻]😂")
    assert n.hashtags == ["苹果全球开发者大会"]
    assert n.emoticons == ["[嘻嘻]", "😂"]
    assert n.detect_text.startswith("#苹果全球开发者大会#")


def test_full_width_and_case_folding() -> None:
    n = normalize("ＩＰＨＯＮＥ５真好用！！！Ｈｕａｗｅｉ也不错　")
    assert n.normalized == "iphone5真好用!huawei也不错"
    assert n.own_text.startswith("IPHONE5")  # the own text keeps the case


def test_repeated_characters_and_punctuation_are_squeezed() -> None:
    assert squeeze("哈哈哈哈哈哈太好笑了。。。!!!") == "哈哈太好笑了。!"
    assert squeeze("垃圾垃圾垃圾，看图") == "垃圾垃圾，看图"
    assert squeeze("谢谢店家") == "谢谢店家"  # a doubled character is a word, not noise
    assert squeeze("1000元") == "1000元"  # digits are never squeezed


def test_batch_equals_one_by_one_and_control_characters_are_removed() -> None:
    texts = ["蒙牛\x00特仑苏", "伊利\x01安慕希", "", "京东 自营"]
    batch = normalize_many(texts)
    assert [n.normalized for n in batch] == [normalize(t).normalized for t in texts]
    assert batch[0].normalized == "蒙牛 特仑苏"
    assert batch[2].normalized == ""


def test_only_the_first_analysed_chars_of_a_long_text_are_analysed_but_its_chain_is_read_whole() -> None:
    from pipeline.text.normalize import ANALYSED_CHARS

    words = "好" * (ANALYSED_CHARS - 1) + "退款@小李 " + "[哈哈]" * 1000
    n = normalize(words + "//@甲:原文//@乙:")
    assert len(n.own_text) == ANALYSED_CHARS  # bounded, whatever the length
    assert n.own_text.endswith("好退")
    assert n.mentions == [] and n.emoticons == []  # beyond the window: not analysed
    assert n.repost_chain == ["甲", "乙"]  # the chain after it is still read


def test_a_text_within_the_window_is_analysed_whole() -> None:
    from pipeline.text.normalize import ANALYSED_CHARS

    text = "退款" + "好" * (ANALYSED_CHARS - 6) + "[哈哈]"  # exactly ANALYSED_CHARS long
    assert normalize(text).emoticons == ["[哈哈]"]


def test_the_batch_run_finder_misses_no_text_that_squeeze_changes() -> None:
    import random

    from pipeline.text.runs import runs_possible

    rng = random.Random(27)
    alphabet = ["哈", "好", "垃", "圾", "!", "。", "~", "a", "A", "1", "_", " ", "\n", "😂", "σ", "…", "é", "\x00"]
    texts = ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(3000)]
    changed = [t for t in texts if squeeze(t) != t]
    assert len(changed) > 250  # the sample holds many runs
    for start in range(0, len(texts), 50):
        batch = texts[start : start + 50]
        for text, possible in zip(batch, runs_possible(batch), strict=True):
            assert possible or squeeze(text) == text, text
    assert runs_possible(["谢谢店家", "哈哈哈", "好!!", "垃圾垃圾垃圾", "😂😂", "", "100元", "1000元"]) == [
        False, True, True, True, True, False, False, True  # a tripled digit counts (squeeze keeps it)
    ]
