"""Traditional Chinese characters folded to simplified ones, for comparing typed topic names.

Readers in Taiwan and Hong Kong (Slack and Discord `zh-TW`) type 機器人, 強化學習, 視頻生成; the
taxonomy names its topics in simplified characters (机器人, 强化学习, 视频生成), as the reports
are written. Folding the typed name makes it the same name. Only characters are folded, not words:
a regional word (影片 for 视频) is an alias in taxonomy.toml, as any other name is.

The table covers every character of the built-in topic names (and the zone names people type)
that has a traditional form, and a few more that AI topics are commonly written with; a
character outside it is compared as typed. `/paper`'s Chinese command words (its verbs,
settings, cadences, languages) are folded the same way. The fold maps traditional to simplified
only, never the other way: a name already in simplified characters is unchanged
(tests/bot/topics hold the taxonomy to that).

A lookup typed in traditional characters also searches its simplified form (bot/store/terms.py),
and the matcher compares a paper's text and keywords folded (`folded`), so a keyword in either
script selects papers written in either.
"""

from __future__ import annotations

import re

# Pairs of (traditional, simplified), one pair per two characters.
_PAIRS = (
    "與与專专個个樂乐習习優优體体準准別别製制動动勵励醫医壓压發发髮发圖图獎奖學学對对強强態态"
    "擴扩擬拟據据數数時时機机構构標标檔档檢检測测獄狱現现療疗碼码篩筛係系繫系紅红練练統统維维"
    "編编縮缩薦荐藥药視视覺觉訓训證证評评識识譯译試试語语調调質质資资蹤踪軟软輯辑選选邏逻針针"
    "鏈链長长問问間间隊队預预頻频駛驶駕驾齊齐"
    # Beyond the topic names: the zone names people type and characters AI topics are often
    # written with (keywords, aliases).
    "臺台灣湾東东區区雲云網网絡络聯联話话說说讀读寫写記记憶忆類类圍围處处頭头這这們们義义務务"
    "實实驗验變变換换歸归納纳計计層层歷历經经濟济氣气運运開开關关顯显餾馏權权傳传輸输單单雙双"
    "遷迁衛卫產产較较規规範范團团慮虑"
    # The places of bot/chat/places.py: 紐約 倫敦 溫哥華 舊金山 洛杉磯 波士頓 首爾 蘇黎世 韓國 荷蘭 …
    "紐纽約约倫伦溫温華华爾尔蘇苏羅罗磯矶舊旧頓顿國国韓韩漢汉蘭兰買买"
    # The command words typed after /paper: 訂閱, 幫助, 設置, 每週 週五, 最少點贊, 緊湊, 佈局 …,
    # 關閉, 開啟 (images off and on), 下一頁, 繼續, 再來 (a lookup's next page).
    "訂订閱阅幫帮設设題题報报覽览週周禮礼點点贊赞讚赞緊紧湊凑佈布簡简無无"
    "閉闭啟启啓启頁页繼继續续來来"
)
TRADITIONAL = {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS), 2)}
_TABLE = str.maketrans(TRADITIONAL)
# Whether a text holds anything to fold: one C-level scan, much cheaper than translating a long
# section that (as most reports) holds nothing to fold.
_FOLDABLE = re.compile("[" + "".join(TRADITIONAL) + "]")


def to_simplified(text: str) -> str:
    """`強化學習` → `强化学习`; text without traditional characters is returned as it is."""
    return text.translate(_TABLE)


def folded(text: str) -> str:
    """`to_simplified`, for long text that seldom holds a traditional character (a paper's
    sections, bot/topics/matcher.py)."""
    return text.translate(_TABLE) if _FOLDABLE.search(text) else text
