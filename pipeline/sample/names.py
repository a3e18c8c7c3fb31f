"""Invented but plausible Chinese screen names (the real data carries none).

A name is a pure function of an integer, so one account keeps its name everywhere. Names hold no
whitespace, ``@`` or colon, so they can sit in a ``//@name:`` repost chain.
"""

from __future__ import annotations

_PREFIX = (
    "小", "阿", "大", "老", "胖", "懒懒的", "爱吃", "会飞的", "不吃香菜的", "快乐的", "安静的", "追风的",
    "早睡的", "橘子味的", "一只", "今天也要", "南方的", "北京的", "上海", "杭州", "成都", "深夜", "佛系",
    "努力的", "奶油", "清风", "半糖", "江南", "西安", "广州",
)  # fmt: skip
_NOUN = (
    "鱼", "猫", "兔子", "桃子", "柠檬", "星星", "月亮", "西瓜", "蘑菇", "团子", "熊", "饺子", "奶茶", "咸鱼",
    "少年", "姑娘", "大叔", "同学", "小姐姐", "程序员", "吃货", "宝妈", "打工人", "旅人", "书生", "木头",
    "豆豆", "阿狸", "糖糖", "菜菜", "包子", "可乐", "芒果", "布丁", "小白", "丸子",
)  # fmt: skip
_SUFFIX = (
    "", "", "", "", "酱", "呀", "_", "2012", "520", "123", "88", "的日常", "_v", "Lily", "Amy", "君",
    "666", "_sz", "2333", "lalala",
)  # fmt: skip
_PLACE = (
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "武汉",
    "成都",
    "西安",
    "重庆",
    "天津",
    "苏州",
    "长沙",
)
_MEDIA = ("晚报", "日报", "新闻网", "都市报", "广播电视台", "新闻频道", "商报", "生活报")
_FIELD = ("数码", "科技", "美食", "母婴", "汽车", "美妆", "旅行", "财经", "家电", "健康", "读书")
_ORG = ("大学", "消费者协会", "志愿者协会", "青年联合会", "红十字会", "图书馆")
_BRANDISH = ("乐活", "优品", "鲜", "小当家", "京味", "云端", "大润", "好邻居", "青禾", "金谷")
_OFFICIAL = ("测评", "生活号", "说", "研究所", "情报局", "圈", "指南", "日记", "观察", "笔记")


def _pick(seq: tuple[str, ...], h: int, shift: int) -> str:
    return seq[(h >> shift) % len(seq)]


def person_name(h: int, platform: str) -> str:
    """A personal screen name in the platform's style (defaults like ``用户5813…`` included)."""
    style = h % 20
    if platform == "weibo" and style == 0:
        return f"用户{5_000_000_000 + h % 2_000_000_000}"
    if platform == "xiaohongshu" and style < 4:
        return f"小红薯{(h >> 8) & 0xFFFFFFF:07X}"
    if platform == "tieba" and style < 5:
        letters = "abcdefghijklmnopqrstuvwxyz"
        stem = "".join(letters[(h >> (5 * i)) % 26] for i in range(3, 8))
        return f"{stem}{h % 10_000}"
    name = _pick(_PREFIX, h, 5) + _pick(_NOUN, h, 11) + _pick(_SUFFIX, h, 17)
    if platform == "weibo" and style < 6:
        name += str((h >> 23) % 1000)
    return name


def bot_name(h: int) -> str:
    """Names of throw-away accounts: default names or letter/digit strings."""
    if h % 2:
        return f"用户{6_000_000_000 + h % 1_000_000_000}"
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(letters[(h >> (5 * i)) % 26] for i in range(1, 7)) + str(h % 100_000)


def organisation_name(h: int, verified_type: str) -> str:
    """Names for verified media, government, enterprise and organisation accounts."""
    place = _pick(_PLACE, h, 3)
    if verified_type == "media":
        return place + _pick(_MEDIA, h, 9) if h % 3 else _pick(_FIELD, h, 9) + "频道"
    if verified_type == "government":
        return f"{place}发布" if h % 2 else f"平安{place}"
    if verified_type == "organization":
        return place + _pick(_ORG, h, 9)
    if verified_type == "enterprise":
        return _pick(_BRANDISH, h, 9) + ("官方微博" if h % 2 else "旗舰店")
    return person_name(h, "weibo")


def official_account_name(h: int) -> str:
    """A WeChat official-account (公众号) name."""
    return _pick(_FIELD, h, 3) + _pick(_OFFICIAL, h, 9) + ("" if h % 3 else _pick(_PLACE, h, 15))
