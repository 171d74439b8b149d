"""Every sentence the bot says, in English and Chinese.

Replies are chosen per reader: the caller's platform language where the platform tells it,
the channel's language for channel posts, and Chinese when a command is typed in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.models import Locale

_CJK = re.compile(r"[\u3400-\u9fff]")

MESSAGES: dict[str, dict[str, str]] = {
    # How a list, a quoted keyword, a label before its value and an aside are punctuated
    # (join_list, quoted, labelled, aside): Chinese enumerates with 、, quotes with 「」, puts a
    # full-width colon after a label and full-width brackets round an aside; an English ", ",
    # ": " or " (" after Chinese words reads as a typo.
    "list.separator": {"en": ", ", "zh": "、"},
    "quoted": {"en": '"{text}"', "zh": "「{text}」"},
    "labelled": {"en": "{label}: {value}", "zh": "{label}：{value}"},
    "aside": {"en": "{text} ({aside})", "zh": "{text}（{aside}）"},
    # A sentence added after a reply's last one (then_say): Chinese runs sentences on after 。
    "then": {"en": "{text} {more}", "zh": "{text}{more}"},
    "digest.header": {
        # singular|plural by `count`, the day's papers. No "today": /paper digest DATE shows
        # a past day under the same header.
        "en": "Daily Papers · {date} — {matched} of {total} paper for this channel"
        "|Daily Papers · {date} — {matched} of {total} papers for this channel",
        "zh": "每日论文 · {date} —— 当日 {total} 篇中有 {matched} 篇与本频道相关",
    },
    "digest.header.none": {
        "en": "Daily Papers · {date} — the day's one paper does not match this channel's topics"
        "|Daily Papers · {date} — none of the day's {total} papers match this channel's topics",
        "zh": "每日论文 · {date} —— 当日 {total} 篇论文中没有与本频道主题相关的",
    },
    "digest.following": {"en": "Following: {topics}", "zh": "订阅主题：{topics}"},
    "digest.more": {
        "en": "…and {more} more — type /paper digest {date} all to see every match",
        "zh": "……还有 {more} 篇 —— 输入 /paper digest {date} all 查看全部",
    },
    "digest.more.cli": {
        "en": "…and {more} more — run it without --limit to see every match",
        "zh": "……还有 {more} 篇 —— 去掉 --limit 再运行即可查看全部",
    },
    # A digest cut to fit one reply (bot/chat/commands.py fit_digest, `/paper digest … all`).
    "digest.capped": {
        "en": "Showing {shown} of {matched} matches: a reply holds no more. For the best ones, "
        "/paper digest {date}; to find a paper, /paper WORDS or its arXiv id.",
        "zh": "{matched} 篇匹配论文中仅显示 {shown} 篇：一次回复放不下更多。查看最相关的几篇："
        "/paper 日报 {date}；查找某篇论文：/paper 关键词 或 arXiv 编号。",
    },
    "digest.why": {"en": "Why", "zh": "匹配原因"},
    "digest.area": {"en": "Area", "zh": "应用领域"},
    "digest.contribution": {"en": "Contribution", "zh": "核心贡献"},
    "digest.topics": {"en": "Topics", "zh": "主题"},
    # Named as a lookup of a day names it (lookup.no_report_for_day): where a digest can be seen.
    "digest.no_report": {
        "en": "No report is archived for {date}. The newest archived report is {latest}: "
        "/paper digest {latest}",
        "zh": "存档中没有 {date} 的日报。最新的日报是 {latest}：/paper digest {latest}",
    },
    "digest.no_reports": {
        "en": "The archive holds no report yet: ingest one with `paperbot ingest`.",
        "zh": "存档中还没有任何日报：请先用 `paperbot ingest` 导入。",
    },
    "digest.not_subscribed": {
        "en": "This channel follows nothing yet — try /paper subscribe RL, video generation",
        "zh": "本频道还没有订阅任何主题 —— 试试 /paper subscribe 强化学习、视频生成",
    },
    "subscribe.done": {
        "en": "Subscribed. This channel now follows: {topics}. {when}",
        "zh": "订阅成功。本频道现在订阅：{topics}。{when}",
    },
    "subscribe.resumed": {
        "en": "Resumed: this channel's digest is back on. It follows {topics}. {when}",
        "zh": "已恢复：本频道重新接收日报。订阅：{topics}。{when}",
    },
    "subscribe.unchanged": {
        "en": "Nothing new: this channel already follows {topics}.",
        "zh": "没有变化：本频道已订阅 {topics}。",
    },
    # `/paper subscribe all` (or `exclude all`): a keyword "all" would follow (or leave out)
    # every paper that says the word.
    "error.all_is_no_topic": {
        "en": '"{word}" names no topic: name the topics one by one (/paper topics lists them), '
        'or put it in quotes to mean the word itself: "{word}"',
        "zh": "「{word}」不是主题：请逐个写出主题（/paper 主题 可查看列表），"
        "或加上引号表示这个词本身：“{word}”",
    },
    # …for `*`, which as a quoted keyword would be refused too (it has no letter or digit).
    "error.all_is_no_topic.symbol": {
        "en": '"{word}" names no topic: name the topics one by one (/paper topics lists them)',
        "zh": "「{word}」不是主题：请逐个写出主题（/paper 主题 可查看列表）",
    },
    "subscribe.only_exclusions": {
        "en": "Name at least one topic or keyword to follow: exclusions (-survey) narrow a subscription.",
        "zh": "请至少订阅一个主题或关键词；排除项（-survey）只用于缩小已订阅的范围。",
    },
    "exclude.usage": {
        "en": 'Usage: /paper exclude TOPICS — e.g. /paper exclude survey, "medical", robotics',
        "zh": "用法：/paper 排除 主题 —— 例如 /paper 排除 survey、“医疗”、机器人",
    },
    "exclude.done": {
        "en": "Excluded {removed}: papers about it stay out of this channel's digest. Now: {topics}.",
        "zh": "已排除 {removed}：相关论文不会再出现在本频道日报中。当前：{topics}。",
    },
    "include.usage": {
        "en": "Usage: /paper include TOPICS — stop excluding them",
        "zh": "用法：/paper 取消排除 主题 —— 不再排除它们",
    },
    "include.done": {
        "en": "No longer excluded: {removed}. Now: {topics}.",
        "zh": "已取消排除 {removed}。当前：{topics}。",
    },
    # Said after "Unsubscribed from …" for the minus terms among those unsubscribed from.
    "unsubscribe.unexcluded": {
        "en": "No longer excluded: {removed}.",
        "zh": "已取消排除 {removed}。",
    },
    "include.not_excluded": {
        "en": "This channel does not exclude {removed}.",
        "zh": "本频道没有排除 {removed}。",
    },
    "digest.not": {"en": "not {item}", "zh": "排除{item}"},
    "cadence.daily": {"en": "Digest daily at {time} ({tz}).", "zh": "每天 {time}（{tz}）推送日报。"},
    "cadence.weekdays": {
        "en": "Digest Monday to Friday at {time} ({tz}); none on Saturdays and Sundays.",
        "zh": "周一至周五 {time}（{tz}）推送日报；周六、周日不推送。",
    },
    "cadence.weekly": {
        "en": "Digest every {day} at {time} ({tz}): the week's best papers, each once.",
        "zh": "每{day} {time}（{tz}）推送周报：本周最相关的论文，每篇只出现一次。",
    },
    "cadence.usage": {
        "en": "Usage: /paper cadence daily | weekdays | weekly friday",
        "zh": "用法：/paper 频率 每天 | 工作日 | 每周 周五",
    },
    "weekday.0": {"en": "Monday", "zh": "星期一"},
    "weekday.1": {"en": "Tuesday", "zh": "星期二"},
    "weekday.2": {"en": "Wednesday", "zh": "星期三"},
    "weekday.3": {"en": "Thursday", "zh": "星期四"},
    "weekday.4": {"en": "Friday", "zh": "星期五"},
    "weekday.5": {"en": "Saturday", "zh": "星期六"},
    "weekday.6": {"en": "Sunday", "zh": "星期日"},
    "digest.header.weekly": {
        "en": "Weekly Papers · {start} – {end} — {matched} of {total} paper for this channel"
        "|Weekly Papers · {start} – {end} — {matched} of {total} papers for this channel",
        "zh": "每周论文 · {start} – {end} —— 本周 {total} 篇中有 {matched} 篇与本频道相关",
    },
    # `/paper digest` in a weekly channel: which delivery it shows (bot/chat/use_cases.py ShownWeek).
    "digest.week.past": {
        "en": "This channel's weekly digest of {weekday} {date}, {time} ({tz}).",
        "zh": "本频道 {date}（{weekday}）{time}（{tz}）的每周推送。",
    },
    "digest.week.coming": {
        "en": "This channel's next weekly digest, {weekday} {date} at {time} ({tz}), as it stands: "
        "reports that arrive before then join it.",
        "zh": "本频道下一期每周推送：{date}（{weekday}）{time}（{tz}），以下为目前的内容；"
        "在此之前到达的日报也会加入。",
    },
    "digest.week.coming.empty": {
        "en": "No report has come yet for this channel's weekly digest of {weekday} {date}, {time} ({tz}).",
        "zh": "本频道 {date}（{weekday}）{time}（{tz}）的每周推送还没有任何日报。",
    },
    # A past week without a report (a report archived after a week's time is in the next week's).
    "digest.week.past.empty": {
        "en": "This channel's weekly digest of {weekday} {date}, {time} ({tz}) held no report.",
        "zh": "本频道 {date}（{weekday}）{time}（{tz}）的每周推送中没有日报。",
    },
    # `/paper digest last week` (`上周`, `2026-W48`) in a channel that is not weekly: the week's
    # reports, Monday to Sunday, ranked together (bot/chat/commands.py _week_digest).
    "digest.calendar_week": {
        "en": "The week {week}, Monday {monday} to Sunday {sunday}: its reports ranked together, "
        "as a weekly digest.",
        "zh": "{week}（{monday} 星期一至 {sunday} 星期日）：这一周的日报合并排序，如同每周推送。",
    },
    "digest.calendar_week.current": {
        "en": "This week so far ({week}, Monday {monday} to Sunday {sunday}): reports that arrive "
        "this week join it.",
        # Not 「本周之后到达」: that says "arriving after this week", the opposite of the English.
        "zh": "本周目前的内容（{week}，{monday} 星期一至 {sunday} 星期日）：本周稍后到达的日报也会加入。",
    },
    "digest.calendar_week.none_yet": {
        "en": "No report has come yet this week ({week}, Monday {monday} to Sunday {sunday}).",
        "zh": "本周（{week}，{monday} 星期一至 {sunday} 星期日）还没有日报。",
    },
    "digest.calendar_week.none": {
        "en": "The archive holds no report of the week {week} (Monday {monday} to Sunday {sunday}).",
        "zh": "存档中没有 {week}（{monday} 星期一至 {sunday} 星期日）这一周的日报。",
    },
    "digest.calendar_week.future": {
        "en": "The week {week} (Monday {monday} to Sunday {sunday}) has not begun yet: no report "
        "can be in it.",
        "zh": "{week}（{monday} 星期一至 {sunday} 星期日）还没有开始，不会有日报。",
    },
    "lookup.week": {
        "en": "“{query}” names a week: /paper digest {query} shows this channel's papers of that week.",
        "zh": "「{query}」指的是一周：/paper 日报 {query} 可查看本频道那一周的论文。",
    },
    "digest.header.weekly.none": {
        "en": "Weekly Papers · {start} – {end} — the week's one paper does not match this channel's "
        "topics|Weekly Papers · {start} – {end} — none of the week's {total} papers match this "
        "channel's topics",
        "zh": "每周论文 · {start} – {end} —— 本周 {total} 篇论文中没有与本频道主题相关的",
    },
    "settings.show": {
        "en": "Digest: up to {size}, {floor}, ordered by {order}; {layout}, {images}.",
        "zh": "日报：最多 {size}，{floor}，按{order}排序；{layout}，{images}。",
    },
    "settings.size": {"en": "{count} paper|{count} papers", "zh": "{count} 篇"},
    "settings.images.on": {"en": "with the papers' images", "zh": "显示论文配图"},
    "settings.images.off": {"en": "without images", "zh": "不显示配图"},
    "settings.layout.cards": {"en": "a card per paper", "zh": "每篇论文一张卡片"},
    "settings.layout.compact": {
        "en": "compact (a list, each paper's card in a reply)",
        "zh": "紧凑（一条列表消息，每篇论文的卡片在回复中）",
    },
    "settings.floor.none": {"en": "no floor on upvotes", "zh": "不限点赞数"},
    "settings.floor": {
        "en": "only papers with at least {count} upvotes (papers without a count pass)",
        "zh": "只收点赞数不少于 {count} 的论文（没有点赞数的论文照常收录）",
    },
    "settings.order.relevance": {"en": "relevance to this channel", "zh": "与本频道的相关度"},
    "settings.order.upvotes": {"en": "upvotes", "zh": "点赞数"},
    "settings.usage": {
        "en": "Usage: /paper set size 5 | /paper set min-upvotes 20 (or off) | /paper set order upvotes"
        " | /paper set images on|off | /paper set layout cards|compact",
        "zh": "用法：/paper 设置 数量 5 | /paper 设置 最少点赞 20（或 关闭）| /paper 设置 排序 点赞|相关度"
        " | /paper 设置 图片 开|关 | /paper 设置 布局 卡片|紧凑",
    },
    "unsubscribe.done": {
        "en": "Unsubscribed from {removed}. Still following: {topics}.",
        "zh": "已取消订阅 {removed}。仍在订阅：{topics}。",
    },
    "unsubscribe.all": {
        "en": "Unsubscribed: this channel no longer receives a digest.",
        "zh": "已全部退订：本频道不再接收日报。",
    },
    "unsubscribe.last": {
        "en": "Unsubscribed from {removed}. Nothing is followed now, so no digest comes; the time, "
        "language and digest settings are kept for the next subscription (/paper unsubscribe all "
        "forgets them).",
        "zh": "已取消订阅 {removed}。现在没有订阅任何主题，不再推送日报；推送时间、语言和日报设置会保留，"
        "重新订阅时沿用（/paper unsubscribe all 可全部清除）。",
    },
    "unsubscribe.nothing": {
        "en": "This channel has no subscription: there is nothing to unsubscribe from.",
        "zh": "本频道没有任何订阅，无需退订。",
    },
    "unsubscribe.not_following": {
        "en": "This channel does not follow {removed}.",
        "zh": "本频道没有订阅 {removed}。",
    },
    "list.none": {
        "en": "This channel follows nothing yet. Subscribe with /paper subscribe TOPICS (see /paper topics).",
        "zh": "本频道还没有订阅。用 /paper subscribe 主题 订阅（主题列表见 /paper topics）。",
    },
    "list.kept": {
        "en": "Kept for the next subscription: {when} Language: {language}.",
        "zh": "重新订阅时沿用：{when}语言：{language}。",
    },
    "list.some": {
        "en": "This channel follows: {topics}\n{when} Language: {language}.{paused}",
        "zh": "本频道订阅：{topics}\n{when}语言：{language}。{paused}",
    },
    "list.paused": {"en": "\nPaused: {reason}", "zh": "\n已暂停：{reason}"},
    "schedule.done": {
        "en": "Digest time set: daily at {time} ({tz}).",
        "zh": "推送时间已设置：每天 {time}（{tz}）。",
    },
    # A weekly or weekdays channel: its cadence stays, so the reply says it rather than "daily".
    "schedule.done_cadence": {"en": "Digest time set. {when}", "zh": "推送时间已设置。{when}"},
    "schedule.usage": {
        "en": "Usage: /paper schedule TIME [TIME ZONE], e.g. /paper schedule 09:30 Asia/Shanghai, "
        "/paper schedule 9:30 pm New York, /paper schedule 8:00 UTC+8 "
        "(a city: Seattle, Bangalore, 北京, 伦敦)",
        "zh": "用法：/paper schedule 时间 [时区]，例如 /paper schedule 09:30 Asia/Shanghai、"
        "/paper 定时 下午 3点 北京、/paper 定时 晚上9点 纽约、/paper 定时 8:00 UTC+8"
        "（城市名也可以：旧金山、西雅图、伦敦、柏林、新加坡、悉尼）",
    },
    # Said in the caller's language (a Chinese admin making the digest English reads Chinese).
    "language.done": {
        "en": "This channel's digest is now in {language}.",
        "zh": "本频道的日报语言已设为{language}。",
    },
    "language.usage": {"en": "Usage: /paper language en|zh", "zh": "用法：/paper language en|zh"},
    "need_subscription": {
        "en": "Subscribe this channel first: /paper subscribe TOPICS",
        "zh": "请先订阅：/paper subscribe 主题",
    },
    "subscribe.usage": {
        "en": 'Usage: /paper subscribe TOPICS — e.g. /paper subscribe RL, video generation, "world model"',
        "zh": "用法：/paper subscribe 主题 —— 例如 /paper subscribe 强化学习、视频生成、“world model”",
    },
    "unsubscribe.usage": {
        "en": "Usage: /paper unsubscribe TOPICS, or /paper unsubscribe all",
        "zh": "用法：/paper unsubscribe 主题，或 /paper unsubscribe all",
    },
    "not_allowed": {
        "en": "Only people who can manage this channel may change its subscriptions.",
        "zh": "只有能管理本频道的成员才能修改订阅。",
    },
    "failed.logged": {"en": "Something went wrong; the error was logged.", "zh": "出错了，错误已记录。"},
    # A command that could not be answered (bot/chat/commands.py): short, to the caller alone.
    "failed.database": {
        "en": "paperbot cannot reach its database right now; try again in a minute.",
        "zh": "paperbot 暂时无法连接数据库，请一分钟后再试。",
    },
    "failed.timeout": {
        "en": "paperbot could not answer in time (its database may be slow); try again in a minute.",
        "zh": "paperbot 未能及时回应（数据库可能响应缓慢），请一分钟后再试。",
    },
    "failed.command": {
        "en": "Something went wrong; the error was logged as command {command}. Try again in a minute.",
        "zh": "出错了，错误已记录（命令编号 {command}）。请一分钟后再试。",
    },
    "not_allowed.unknown": {
        "en": "paperbot could not check with the platform whether you may change this channel, "
        "so nothing was changed; try again in a minute.",
        "zh": "paperbot 暂时无法向平台确认你是否有权修改本频道，因此未做任何更改，请一分钟后再试。",
    },
    "settings.min_upvotes.range": {
        "en": "min-upvotes must be a whole number from 0 to {max} (or off for no floor).",
        "zh": "最少点赞必须是 0 到 {max} 之间的整数（或用 关闭 取消下限）。",
    },
    "topics.header": {
        "en": '{count} built-in topics (subscribe by any name, or a "quoted keyword"):',
        "zh": "共 {count} 个内置主题（可用任一名称订阅，或用引号订阅关键词）：",
    },
    "lookup.found": {"en": "{count} for {query}:", "zh": "“{query}”的检索结果（{count}）："},
    "lookup.found_part_of_day": {
        "en": "The first {shown} of {total} for {query}, in the report's order (the whole day: {url}):",
        "zh": "“{query}”共 {total}，按日报顺序显示前 {shown} 篇（当天全部论文：{url}）：",
    },
    "lookup.command_hint": {
        "en": "Searched the archive for this. To change the channel, the command is /paper {usage} "
        "(nothing was changed).",
        "zh": "已按检索处理。如需更改本频道设置，请用 /paper {usage}（未做任何更改）。",
    },
    "console.not_a_command": {
        "en": "Commands start with /paper — try /paper help",
        "zh": "命令以 /paper 开头，试试 /paper 帮助",
    },
    "console.did_you_mean": {
        "en": "Commands start with /paper — did you mean {command}?",
        "zh": "命令以 /paper 开头 —— 你是想输入 {command} 吗？",
    },
    "lookup.none": {"en": "No archived paper matches {query}.", "zh": "存档中没有与“{query}”匹配的论文。"},
    # A lookup that found nothing, with what to try instead (lookup.none_tip, lookup.did_you_mean).
    "lookup.none_then": {
        "en": "No archived paper matches {query}. {tip}",
        "zh": "存档中没有与“{query}”匹配的论文。{tip}",
    },
    "lookup.found_more": {
        "en": 'The first {count} for {query}; more match (add words, a "phrase" or a -word to '
        "narrow it down):",
        "zh": "“{query}”的检索结果，显示前 {count}；还有更多（可加词语、用引号写短语或用 -词语 "
        "排除来缩小范围）：",
    },
    "lookup.no_paging": {
        "en": "A lookup shows its first {count} papers and keeps no list to page through: narrow it "
        'down with more words, a "phrase" or a -word to leave out, or look up a topic (newest '
        "first) or a day (/paper latest).",
        "zh": "检索只显示前 {count} 篇论文，不保留结果列表供翻页：请加词语、用引号写短语或用 -词语 "
        "排除来缩小范围，或按主题（最新的在前）或日期（/paper 最新）检索。",
    },
    # An arXiv id (or a paper's link) the archive does not hold: other words would not find it.
    "lookup.paper_not_archived": {
        "en": "paperbot has no paper {arxiv_id}: it knows the papers of the Daily Papers reports it "
        "archived (the newest: {latest}). The paper on arXiv, if it exists: https://arxiv.org/abs/{arxiv_id}",
        "zh": "存档中没有论文 {arxiv_id}：paperbot 只收录已存档的 Daily Papers 日报中的论文（最新的日报是 "
        "{latest}）。如果 arXiv 上有这篇论文，链接是：https://arxiv.org/abs/{arxiv_id}",
    },
    "lookup.none_tip": {
        "en": "Check the spelling, or try fewer or other words (English or 中文), a topic "
        "(/paper topics), an arXiv id or a date.",
        "zh": "请检查拼写，或换用更少或其他的词语（中文或英文）、主题（/paper 主题）、arXiv 编号或日期。",
    },
    "lookup.did_you_mean": {
        "en": "Did you mean the topic “{topic}”? /paper {topic}",
        "zh": "你是不是要找主题“{topic}”？/paper {topic}",
    },
    "lookup.no_report_for_day": {
        "en": "No report is archived for {day}. The newest archived report is {latest}: /paper {latest}",
        "zh": "存档中没有 {day} 的日报。最新的日报是 {latest}：/paper {latest}",
    },
    "lookup.no_reports": {
        "en": "The archive holds no report yet.",
        "zh": "存档中还没有任何日报。",
    },
    "error": {"en": "{message}", "zh": "{message}"},
    # An id that no platform issues (bot/ids.py): refused at the edge, before anything changes.
    "ids.invalid": {
        "en": "paperbot does not recognise this workspace or channel (its id is not one {platform} "
        "issues), so nothing was changed.",
        "zh": "paperbot 无法识别这个工作区或频道（其 ID 不是 {platform} 会使用的格式），因此未做任何更改。",
    },
    "unknown_topic": {
        "en": 'Unknown topic "{term}" — did you mean "{suggestion}"? To follow it as a keyword, quote it.',
        "zh": "未知主题「{term}」—— 你是指「{suggestion}」吗？如要按关键词订阅，请加引号。",
    },
    # Cards and their buttons (Slack, Discord).
    "card.details": {"en": "Details", "zh": "详情"},
    "card.share": {"en": "Share to channel", "zh": "分享到频道"},
    "card.modal_title": {"en": "Paper details", "zh": "论文详情"},
    "card.close": {"en": "Close", "zh": "关闭"},
    "card.part": {"en": "part {part} of {parts}", "zh": "第 {part}/{parts} 部分"},
    "card.shared_by": {"en": "Shared by <@{user}>", "zh": "<@{user}> 分享"},
    "card.topics_why": {"en": "Topics · why", "zh": "主题 · 原因"},
    "card.image": {"en": "Image", "zh": "配图"},
    # The list message of a compact digest (`/paper set layout compact`): where the cards are.
    "digest.cards_in_thread": {
        "en": "Each paper's card is in this message's thread: discuss it there.",
        "zh": "每篇论文的卡片在本消息的讨论串中，可在那里讨论。",
    },
    # …and where the channel's posting permissions allow no threads (handlers/slack/publisher.py).
    "digest.cards_below": {
        "en": "Each paper's card follows this message in the channel: this channel allows no threads.",
        "zh": "每篇论文的卡片紧随本消息发在频道中：该频道不允许讨论串。",
    },
    "digest.cards_as_replies": {
        "en": (
            "Each paper's card follows as a reply to this message: discuss a paper in its card's thread, "
            "or reply to the card."
        ),
        "zh": "每篇论文的卡片以回复的形式紧随其后：在卡片的子区中讨论，或直接回复卡片。",
    },
    "card.not_available": {
        "en": "Paper details are not available right now.",
        "zh": "暂时无法查看论文详情。",
    },
    # The report's five sections, as a paper's details show them.
    "section.usage": {"en": "How to use it", "zh": "使用指南"},
    "section.innovations": {"en": "Main innovations", "zh": "主要创新点"},
    "section.results": {"en": "Results", "zh": "实验效果"},
    "language.en": {"en": "English", "zh": "英文"},
    "language.zh": {"en": "Chinese", "zh": "中文"},
    "paper.count": {"en": "{count} paper|{count} papers", "zh": "{count} 篇论文"},
    # Notices (bot/delivery/loud_failures.py): to the operator channel, or to whoever set up a channel.
    "notice.report_late": {
        "en": "⚠️ paperbot: the report for {date} ({weekday}) has not arrived, and it is past "
        "{deadline} ({tz}). {cause} Digests of {date} go out as soon as it does. What to do: check "
        "that {source} has published it, or ingest it by hand with `paperbot ingest {date}`. "
        "If {date} is a holiday without a report, there is nothing to do.",
        "zh": "⚠️ paperbot：已过 {deadline}（{tz}），{date}（{weekday}）的日报仍未到达。{cause}"
        "日报一到，当天的推送会立即发出。处理方法：检查 {source} 是否已发布，"
        "或用 `paperbot ingest {date}` 手动导入。如果 {date} 是没有日报的假日，则无需处理。",
    },
    "notice.report_late.ingest_only": {
        "en": "⚠️ paperbot: the report for {date} ({weekday}) has not arrived, and it is past "
        "{deadline} ({tz}). PAPERBOT_REPORT_SOURCE is not set, so paperbot fetches no report itself: "
        "reports come only from `paperbot ingest`. Digests of {date} go out as soon as it is ingested. "
        "What to do: check the job that runs `paperbot ingest`, or ingest the report by hand; or set "
        "PAPERBOT_REPORT_SOURCE (hf-api, a folder or a URL template) for paperbot to fetch it. "
        "If {date} is a holiday without a report, there is nothing to do.",
        "zh": "⚠️ paperbot：已过 {deadline}（{tz}），{date}（{weekday}）的日报仍未到达。未设置 "
        "PAPERBOT_REPORT_SOURCE，paperbot 不会自行获取日报，日报只来自 `paperbot ingest`。"
        "日报一导入，当天的推送会立即发出。处理方法：检查运行 `paperbot ingest` 的任务，或手动导入日报；"
        "也可以设置 PAPERBOT_REPORT_SOURCE（hf-api、文件夹或 URL 模板），由 paperbot 自动获取。"
        "如果 {date} 是没有日报的假日，则无需处理。",
    },
    "notice.report_late.not_published": {
        "en": "The source answers that it is not published yet.",
        "zh": "来源表示尚未发布。",
    },
    "notice.report_late.error": {
        "en": "The last attempt to fetch it failed: {error}.",
        "zh": "上次获取失败：{error}。",
    },
    "notice.no_report": {
        "en": "paperbot: no report for {date} ({weekday}), so no digests today.",
        "zh": "paperbot：{date}（{weekday}）没有日报，今天没有推送。",
    },
    "notice.delivery_failed": {
        "en": "⚠️ paperbot could not post the {date} digest to {channel}: {attempts} attempts failed "
        "(last error: {error}), and it will not try again. What to do: `paperbot deliveries --status "
        "failed` lists it, and the log lines with delivery={delivery} tell what happened; fix the cause "
        "(README: Troubleshooting) and the next digest goes out as usual. Readers can still see "
        "this one with `/paper digest {date}`.",
        "zh": "⚠️ paperbot 无法将 {date} 的日报发到 {channel}：已尝试 {attempts} 次均失败"
        "（最后的错误：{error}），不会再重试。处理方法：`paperbot deliveries --status failed` "
        "会列出它，日志中 delivery={delivery} 的记录说明了经过；排除原因后（见 README 的 "
        "Troubleshooting），下一期日报会照常发送。读者仍可用 `/paper digest {date}` 查看这一期。",
    },
    # Failed because the platform stayed unavailable (5xx, timeouts, no connection) until the digest
    # was no longer worth sending (PAPERBOT_CATCH_UP_HOURS after its time): no channel fault.
    "notice.delivery_outage": {
        "en": "⚠️ paperbot could not post the {date} digest to {channel}: the platform was unavailable "
        "until {until} (last error: {error}), and a digest is not sent later than that. Nothing is "
        "wrong with the channel, and the next digest goes out as usual once the platform answers; "
        "`paperbot deliveries --status failed` lists this one (delivery={delivery}). Readers can "
        "still see it with `/paper digest {date}`.",
        "zh": "⚠️ paperbot 无法将 {date} 的日报发到 {channel}：平台直到 {until} 仍不可用"
        "（最后的错误：{error}），超过这个时间的日报不再补发。频道本身没有问题，平台恢复后下一期"
        "日报会照常发送；`paperbot deliveries --status failed` 会列出这一期（delivery={delivery}）。"
        "读者仍可用 `/paper digest {date}` 查看。",
    },
    "notice.delivery_outage.creator": {
        "en": "The paperbot digest of {date} could not be posted to {channel}: the platform was "
        "unavailable until {until} (last error: {error}). You can still read it there with "
        "`/paper digest {date}`; the next one comes as usual.",
        "zh": "paperbot 无法将 {date} 的日报发到 {channel}：平台直到 {until} 仍不可用"
        "（最后的错误：{error}）。你仍可在该频道用 `/paper digest {date}` 查看；下一期会照常发送。",
    },
    # Failed at planning, never attempted (attempts 0): the channel's stored time zone cannot be
    # loaded on this host (bot/delivery/planner.py), so it has no time to be due at.
    "notice.delivery_unplanned": {
        "en": "⚠️ paperbot did not post the {date} digest to {channel}: {error}. Other channels are "
        "not affected. What to do: set its zone again — `/paper schedule 09:00 Asia/Shanghai` in the "
        "channel, or `tz` in `paperbot subscriptions import` — and the next digest goes out as usual; "
        "`paperbot deliveries --status failed` lists this one (delivery={delivery}). Readers can still "
        "see it with `/paper digest {date}`.",
        "zh": "⚠️ paperbot 没有将 {date} 的日报发到 {channel}：{error}。其他频道不受影响。处理方法："
        "重新设置它的时区——在该频道用 `/paper schedule 09:00 Asia/Shanghai`，或在 "
        "`paperbot subscriptions import` 中写 `tz`——下一期日报会照常发送；"
        "`paperbot deliveries --status failed` 会列出这一期（delivery={delivery}）。"
        "读者仍可用 `/paper digest {date}` 查看。",
    },
    "notice.delivery_unplanned.creator": {
        "en": "The paperbot digest of {date} was not posted to {channel}: {error}. Set the channel's "
        "time zone again (e.g. `/paper schedule 09:00 Asia/Shanghai`) and the next one comes as usual; "
        "you can still read this one there with `/paper digest {date}`.",
        "zh": "paperbot 没有将 {date} 的日报发到 {channel}：{error}。请重新设置该频道的时区"
        "（例如 `/paper schedule 09:00 Asia/Shanghai`），下一期会照常发送；"
        "你仍可在该频道用 `/paper digest {date}` 查看这一期。",
    },
    "notice.delivery_failed.creator": {
        "en": "The paperbot digest of {date} could not be posted to {channel}: {attempts} attempts "
        "failed (last error: {error}). You can still read it there with `/paper digest {date}`. "
        "If it happens again, please tell whoever runs paperbot.",
        "zh": "paperbot 无法将 {date} 的日报发到 {channel}：已尝试 {attempts} 次均失败"
        "（最后的错误：{error}）。你仍可在该频道用 `/paper digest {date}` 查看。"
        "如果再次发生，请告知 paperbot 的管理员。",
    },
    "notice.paused": {
        "en": "⚠️ paperbot paused the digest of {channel} ({error}): {reason} Until then nothing "
        "is retried; `/paper list` in that channel shows the reason.",
        "zh": "⚠️ paperbot 已暂停 {channel} 的日报（{error}）：{reason}在此之前不会重试；"
        "在该频道输入 `/paper list` 可查看原因。",
    },
    "notice.paused.creator": {
        "en": "I paused the paperbot digest for {channel}: {reason}",
        "zh": "我已暂停 {channel} 的 paperbot 日报：{reason}",
    },
    "notice.paused.unknown": {
        "en": "paperbot can no longer post there. To resume, fix that, then run "
        "`/paper subscribe …` in the channel again.",
        "zh": "paperbot 已无法在那里发消息。恢复方法：解决该问题后，在频道中重新运行 `/paper subscribe …`。",
    },
    "notice.many": {"en": "paperbot has {count} notices:", "zh": "paperbot 有 {count} 条通知："},
    "notice.more": {
        "en": "…and {more} more: see the log, and `paperbot deliveries --status failed`.",
        "zh": "……还有 {more} 条：请查看日志和 `paperbot deliveries --status failed`。",
    },
    # Feedback
    "card.more_like": {"en": "👍 More like this", "zh": "👍 多推荐这类"},
    "card.less_like": {"en": "👎 Less like this", "zh": "👎 少推荐这类"},
    "card.code": {"en": "Code", "zh": "代码"},
    "card.project_page": {"en": "Project page", "zh": "项目主页"},
    "card.signals": {"en": "Community", "zh": "社区"},
    "card.upvotes": {"en": "▲ {count} upvote|▲ {count} upvotes", "zh": "▲ {count} 赞"},
    # A pasted paper link unfurled into its card (Slack: handlers/slack/unfurls.py).
    "unfurl.report": {"en": "Daily Papers {date}", "zh": "{date} 每日论文"},
    "unfurl.fallback": {"en": "{title} — paperbot", "zh": "{title} —— paperbot"},
    "feedback.up": {
        "en": "Noted: more papers like this one in this channel's digest (vote the same again to undo).",
        "zh": "已记录：本频道的日报会多推荐类似的论文（再投一次同样的票可撤回）。",
    },
    "feedback.down": {
        "en": "Noted: fewer papers like this one in this channel's digest (vote the same again to undo).",
        "zh": "已记录：本频道的日报会少推荐类似的论文（再投一次同样的票可撤回）。",
    },
    "feedback.retracted": {
        "en": "Your vote on this paper is withdrawn.",
        "zh": "已撤回你对这篇论文的投票。",
    },
    "feedback.unknown_paper": {
        "en": "That paper is not in paperbot's archive; nothing was recorded.",
        "zh": "存档中没有这篇论文，未记录任何投票。",
    },
    "feedback.no_digest": {
        "en": "This channel gets no digest, so a vote here would tune nothing; nothing was recorded. "
        "Vote in the channel whose digest showed the paper, or subscribe this one (/paper subscribe TOPICS).",
        "zh": "本频道没有订阅日报，在这里投票不会影响任何推荐，未记录。请在推送这篇论文的频道里投票，"
        "或先为本频道订阅（/paper subscribe 主题）。",
    },
    "feedback.usage": {
        "en": "Usage: /paper more-like ARXIV_ID or /paper less-like ARXIV_ID (again to take it back)",
        "zh": "用法：/paper 多推荐 arXiv编号 或 /paper 少推荐 arXiv编号（再输入一次可撤回）",
    },
    # What was wrong with a command's argument (LocalisedInputError, bot/errors.py): raised by
    # the core with its values, said in the caller's language; the English text is also str()
    # of the error, so the CLI and the logs read as before.
    "error.bad_time": {
        "en": "bad time {raw!r}: use HH:MM on a 24-hour clock, e.g. 09:30",
        "zh": "时间「{raw}」无效：请用 24 小时制的 HH:MM（例如 09:30），或写成 21点、下午3点半",
    },
    "error.no_time_or_zone": {
        "en": "{raw!r} is neither a time (HH:MM, e.g. 09:30 or 9:30 pm) nor a time zone "
        "(e.g. Asia/Shanghai, New York, UTC+8)",
        "zh": "「{raw}」既不是时间（HH:MM，例如 09:30、晚上9点）"
        "也不是时区（例如 Asia/Shanghai、北京、UTC+8）",
    },
    "error.bad_date": {
        "en": "not a date: {word!r} (use YYYY-MM-DD, yesterday or last week)",
        "zh": "「{word}」不是日期（请用 YYYY-MM-DD、昨天或上周）",
    },
    "error.unknown_timezone": {
        "en": "unknown time zone {raw!r} (use an IANA name such as Asia/Shanghai, or a city such as "
        "New York, San Francisco, London, 北京)",
        "zh": "未知时区「{raw}」"
        "（请用 IANA 名称，例如 Asia/Shanghai，或城市名，例如 北京、纽约、旧金山、伦敦）",
    },
    "error.unknown_timezone.suggest": {
        "en": 'unknown time zone {raw!r} — did you mean "{suggestion}"? '
        "(use an IANA name such as Asia/Shanghai, or a city such as New York, San Francisco, London, 北京)",
        "zh": "未知时区「{raw}」—— 你是指「{suggestion}」吗？"
        "（请用 IANA 名称，例如 Asia/Shanghai，或城市名，例如 北京、纽约、旧金山、伦敦）",
    },
    # A UTC offset with minutes (UTC+5:30): no IANA zone is one all year, so the places are named.
    "error.timezone_offset_minutes": {
        "en": "{raw!r} is {offset}, which no IANA time zone is all year: use the zone of the place, "
        "e.g. {examples} (whole hours work as offsets: UTC+8, UTC-5)",
        "zh": "「{raw}」是 {offset}，没有全年都是这个偏移的 IANA 时区：请用所在地的时区，"
        "例如 {examples}（整点偏移可以直接写：UTC+8、UTC-5）",
    },
    "error.timezone_offset_range": {
        "en": "{raw!r} is {offset}, which no place uses: offsets run from UTC-12 to UTC+14 "
        "(e.g. UTC+8 for Beijing)",
        "zh": "「{raw}」是 {offset}，没有地方使用：偏移范围是 UTC-12 到 UTC+14（例如北京是 UTC+8）",
    },
    # PT, CST, IST…: abbreviations, shared by several places and changing with summer time.
    "error.timezone_abbreviation": {
        "en": "{raw!r} is an abbreviation, not a time zone (places share abbreviations, and they "
        "change with summer time): use the zone of the place, e.g. {examples}, or an offset such as UTC+8",
        "zh": "「{raw}」是缩写，不是时区（缩写常为多地共用，且随夏令时改变）：请用所在地的时区，"
        "例如 {examples}，或 UTC+8 这样的偏移",
    },
    "error.unknown_language": {
        "en": "unknown language {text!r}: use en or zh",
        "zh": "未知语言「{text}」：请用 en 或 zh",
    },
    "error.unknown_setting": {
        "en": "unknown setting {name!r}: use size, min-upvotes, order, images or layout",
        "zh": "未知设置「{name}」：请用 数量、最少点赞、排序、图片 或 布局",
    },
    "error.unknown_switch": {
        "en": "{name} is on or off, not {value!r}",
        "zh": "{name} 只能是 开 或 关，而不是「{value}」",
    },
    "error.unknown_layout": {
        "en": "unknown layout {value!r}: use cards or compact",
        "zh": "未知布局「{value}」：请用 卡片 或 紧凑",
    },
    "error.unknown_order": {
        "en": "unknown order {value!r}: use relevance or upvotes",
        "zh": "未知排序「{value}」：请用 相关度 或 点赞",
    },
    "error.not_a_number": {
        "en": "{name} takes a whole number, not {value!r}",
        "zh": "{name} 需要一个整数，而不是「{value}」",
    },
    "error.size_range": {
        "en": "size must be between 1 and {max}",
        "zh": "数量必须在 1 到 {max} 之间",
    },
    "error.cadence_empty": {
        "en": "say daily, weekdays, or weekly and a day (weekly friday)",
        "zh": "请写 每天、工作日，或 每周 加某一天（每周 周五）",
    },
    "error.unknown_cadence": {
        "en": "unknown cadence {text!r}: use daily, weekdays, or weekly DAY",
        "zh": "未知频率「{text}」：请用 每天、工作日 或 每周 周几",
    },
    "error.unknown_day": {
        "en": "unknown day {day!r}: use monday … sunday (or 周一 … 周日)",
        "zh": "未知的日子「{day}」：请用 周一 … 周日（或 monday … sunday）",
    },
    "error.unclosed_quote": {
        "en": "unclosed quote {char} in {text!r}",
        "zh": "「{text}」中的引号 {char} 没有闭合",
    },
    "error.no_terms": {
        "en": "the topic list is empty: name at least one topic or keyword",
        "zh": "主题列表为空：请至少写一个主题或关键词",
    },
    "error.too_many_terms": {
        "en": "too many topics and keywords ({count}); at most {max}",
        "zh": "主题和关键词太多（{count} 个）；最多 {max} 个",
    },
    "error.keyword_too_long": {
        "en": "keyword too long ({length} characters; at most {max})",
        "zh": "关键词太长（{length} 个字符；最多 {max} 个）",
    },
    "error.keyword_no_letters": {
        "en": "keyword {text!r} has no letters or digits",
        "zh": "关键词「{text}」不含字母或数字",
    },
    "error.exclude_everything": {
        "en": "excluding that would leave this channel following nothing: unsubscribe instead",
        "zh": "排除它会让本频道不再订阅任何内容：请改用退订",
    },
    "error.lookup_only_exclusions": {
        "en": "nothing to look for: give words to find as well as -words to leave out",
        "zh": "没有要检索的内容：除了要排除的 -词语，还请写上要查找的词语",
    },
    "error.empty_query": {
        "en": "empty query: give an arXiv id, a paper URL, a date or some words",
        "zh": "检索内容为空：请给出 arXiv 编号、论文链接、日期或一些词语",
    },
    "error.query_too_long": {
        "en": "query too long ({length} characters; at most {max})",
        "zh": "检索内容太长（{length} 个字符；最多 {max} 个）",
    },
    "error.impossible_arxiv_id": {
        "en": "{query!r} is not a possible arXiv id: {problem}",
        "zh": "「{query}」不可能是 arXiv 编号：{problem}",
    },
    "error.invalid_date": {"en": "invalid date {text!r}", "zh": "无效日期「{text}」"},
    "error.lookup_week_cli": {
        "en": "{query!r} names a week: paperbot lookup takes a day (2026-11-20), a paper's id or link, "
        "or words; a channel's papers of that week are `/paper digest {query}` in its chat",
        "zh": "「{query}」指的是一周：paperbot lookup 查的是某一天（2026-11-20）、论文编号或链接，或关键词；"
        "频道那一周的论文请在聊天中用 `/paper 日报 {query}` 查看",
    },
    "error.ambiguous_date": {
        "en": "{text!r} could be {one} or {other}: write the day you mean as YYYY-MM-DD",
        "zh": "「{text}」可能是 {one}，也可能是 {other}：请按 YYYY-MM-DD 写出你要的那一天",
    },
    "error.invalid_week": {
        "en": "no such week {text!r}: ISO 8601 numbers a year's weeks 1 to 52 or 53, e.g. 2026-W48",
        "zh": "没有这一周「{text}」：按 ISO 8601，一年的周编号为 1 至 52 或 53，例如 2026-W48",
    },
    "arxiv.no_such_month": {"en": "month {month} does not exist", "zh": "不存在第 {month} 月"},
    "arxiv.old_style_years": {
        "en": "old-style ids (archive/YYMMNNN) run from 1991 to 2007",
        "zh": "旧式编号（分类/YYMMNNN）只用于 1991 到 2007 年",
    },
    "arxiv.new_style_start": {
        "en": "ids of the form YYMM.NNNNN start in April 2007 (0704)",
        "zh": "YYMM.NNNNN 形式的编号从 2007 年 4 月（0704）开始",
    },
    "arxiv.five_digits_start": {
        "en": "five-digit numbers start in January 2015 (1501)",
        "zh": "五位数的序号从 2015 年 1 月（1501）开始",
    },
    "arxiv.five_digits_since": {
        "en": "since January 2015 (1501) numbers have five digits",
        "zh": "自 2015 年 1 月（1501）起序号为五位数",
    },
    "error.not_a_paper_link": {
        "en": "not a paper link: give a huggingface.co/papers/… or arxiv.org/abs/… URL",
        "zh": "不是论文链接：请给出 huggingface.co/papers/… 或 arxiv.org/abs/… 的网址",
    },
    "error.not_an_arxiv_doi": {
        "en": "{doi} is not an arXiv DOI: the archive knows papers by their arXiv id "
        "(2602.02472, or the DOI 10.48550/arXiv.2602.02472); search for the paper's title instead",
        "zh": "{doi} 不是 arXiv 的 DOI：存档按 arXiv 编号查找论文（2602.02472，或 DOI "
        "10.48550/arXiv.2602.02472）；请改用论文标题搜索",
    },
    "error.no_words": {
        "en": "the query holds no words to search for",
        "zh": "检索内容中没有可查找的词语",
    },
    "error.only_stop_words": {
        "en": "the query holds only common words (the, of, or …), which are not searched for",
        "zh": "检索内容只有常用词（the、of、or 等），这些词不会被检索",
    },
    # Why a channel's digest was paused, and how to resume it (handlers/*/publisher.py,
    # handlers/*/lifecycle.py): stored as the subscription's paused_reason, shown by /paper list.
    # One text per reason; a reason only one platform has is named after that platform's code.
    "pause.reason": {
        "en": "{cause} ({platform}: {code}). To resume, {fix}.",
        "zh": "{cause}（{platform}：{code}）。恢复方法：{fix}。",
    },
    "pause.notice": {
        "en": "I paused the paperbot digest for {channel}: {cause} ({platform}: `{code}`).\n"
        "To resume it, {fix}.",
        "zh": "我已暂停 {channel} 的 paperbot 日报：{cause}（{platform}：`{code}`）。\n恢复方法：{fix}。",
    },
    "pause.channel_deleted": {"en": "the channel was deleted", "zh": "频道已被删除"},
    "pause.fix.resubscribe": {
        "en": "run `/paper subscribe …` in the channel that should get the digest",
        "zh": "请在需要接收日报的频道中运行 `/paper subscribe …`",
    },
    # Slack's reasons (its API error codes, and lifecycle events without one).
    "pause.channel_not_found": {
        "en": "the channel no longer exists, or it is private and paperbot is not in it",
        "zh": "频道已不存在，或是 paperbot 不在其中的私有频道",
    },
    "pause.not_in_channel": {
        "en": "paperbot is not a member of the channel",
        "zh": "paperbot 不是该频道的成员",
    },
    "pause.is_archived": {"en": "the channel is archived", "zh": "频道已归档"},
    "pause.invalid_auth": {
        "en": "paperbot's Slack token for this workspace is not valid",
        "zh": "paperbot 在此工作区的 Slack 令牌无效",
    },
    "pause.token_revoked": {
        "en": "paperbot's Slack token was revoked (was the app uninstalled?)",
        "zh": "paperbot 的 Slack 令牌已被撤销（应用是否已被卸载？）",
    },
    "pause.account_inactive": {
        "en": "paperbot's Slack account is deactivated",
        "zh": "paperbot 的 Slack 账号已停用",
    },
    "pause.app_uninstalled": {
        "en": "paperbot was uninstalled from this workspace",
        "zh": "paperbot 已从此工作区卸载",
    },
    "pause.not_installed": {
        "en": "paperbot is not installed in this workspace any more",
        "zh": "paperbot 已不再安装于此工作区",
    },
    "pause.restricted_action": {
        "en": "paperbot may not post in this channel (only some members may post there)",
        "zh": "paperbot 无权在该频道发消息（该频道只允许部分成员发言）",
    },
    # Where Slack's help puts the setting: the channel's details → More → Manage posting permissions.
    # Slack sends no event when they change: each due digest is tried (handlers/slack/publisher.py
    # `retried_while_paused`), so nobody has to subscribe again.
    "pause.fix.posting": {
        "en": "let paperbot post there: in the channel's details, More → Manage posting permissions "
        "(only whoever set them, or a workspace owner or admin, can change them); paperbot tries "
        "each digest at its usual time and resumes by itself once it may post",
        "zh": "请在频道详情中打开“更多 → 管理发帖权限”（Manage posting permissions；"
        "只有设置者、工作区所有者或管理员可以更改），允许 paperbot 在该频道发消息；"
        "paperbot 会在每期日报的时间重试，一旦可以发消息便自动恢复",
    },
    "pause.fix.invite": {
        "en": "invite paperbot with `/invite @paperbot` in that channel, "
        "then run `/paper subscribe …` there again",
        "zh": "请在该频道输入 `/invite @paperbot` 邀请 paperbot，然后在那里重新运行 `/paper subscribe …`",
    },
    "pause.fix.unarchive": {
        "en": "unarchive the channel (and `/invite @paperbot` if it was removed), "
        "then run `/paper subscribe …` there again",
        "zh": "请取消归档该频道（若 paperbot 已被移出，再用 `/invite @paperbot` 邀请），"
        "然后在那里重新运行 `/paper subscribe …`",
    },
    "pause.fix.reinstall": {
        "en": "reinstall paperbot in this workspace, then run `/paper subscribe …` in the channel again",
        "zh": "请在此工作区重新安装 paperbot，然后在频道中重新运行 `/paper subscribe …`",
    },
    # A channel one workspace subscribed, seen from another that shares it (bot/chat/use_cases.py).
    "subscribe.elsewhere": {
        "en": "This channel already gets its digest, set up from another workspace that shares it "
        "({workspace}); a second would post every digest here twice, so nothing was changed. "
        "Change it with /paper from that workspace.",
        "zh": "本频道已有日报，由共享本频道的另一个工作区（{workspace}）设置；再订阅一份会让每期日报"
        "在这里发两次，因此未做任何更改。请在该工作区用 /paper 修改。",
    },
    # The same, when that subscription is paused there: "already gets its digest" was untrue.
    "subscribe.elsewhere_paused": {
        "en": "This channel's digest is set up from another workspace that shares it ({workspace}), "
        "and is paused there. Nothing was changed: a second subscription would post every digest "
        "here twice once it resumes. Resume it with `/paper subscribe …` from that workspace, or "
        "end it there with `/paper unsubscribe all` so this workspace can subscribe.",
        "zh": "本频道的日报由共享本频道的另一个工作区（{workspace}）设置，目前在那里处于暂停状态。"
        "未做任何更改：再订阅一份会在它恢复后让每期日报在这里发两次。请在该工作区用 "
        "`/paper subscribe …` 恢复它，或在那里用 `/paper unsubscribe all` 取消它，以便本工作区订阅。",
    },
    # Said under a subscription that replaced the one of a workspace that uninstalled paperbot.
    "subscribe.took_over": {
        "en": "This channel's digest used to be set up from another workspace that shares it "
        "({workspace}), which no longer has paperbot installed; it now comes from this workspace "
        "instead, with the topics above.",
        "zh": "本频道的日报原先由共享本频道的另一个工作区（{workspace}）设置，该工作区已不再安装 "
        "paperbot；现在改由本工作区按上述主题推送。",
    },
    # Said under a Discord subscription the bot cannot deliver yet (handlers/discord/bot.py).
    "subscribe.cannot_post": {
        "en": "Note: paperbot cannot post this digest here yet: it lacks {permissions} in this "
        "channel. Give it those, or the digest will be paused at its first delivery.",
        "zh": "注意：paperbot 目前还无法在这里发送日报：它在本频道缺少{permissions}权限。"
        "请授予这些权限，否则日报会在首次推送时被暂停。",
    },
    # Said under a Slack subscription paperbot cannot deliver yet (handlers/slack/reach.py), from
    # what conversations.info told paperbot about the channel.
    "subscribe.slack.not_member": {
        "en": "Note: paperbot is not in this channel yet, so it cannot post the digest here. "
        "Type `/invite @paperbot` here, or the digest will be paused at its first delivery.",
        "zh": "注意：paperbot 还不在本频道中，暂时无法在这里发送日报。"
        "请在这里输入 `/invite @paperbot` 邀请它，否则日报会在首次推送时被暂停。",
    },
    "subscribe.slack.hidden": {
        "en": "Note: paperbot cannot see this conversation, so it cannot post the digest here: "
        "it is a private channel paperbot was not invited to, or a group DM. In a private channel, "
        "type `/invite @paperbot` here. paperbot cannot join a group DM: subscribe a channel "
        "instead, or your own DM with paperbot (Apps → paperbot → Messages). Otherwise the digest "
        "will be paused at its first delivery.",
        "zh": "注意：paperbot 看不到这个会话，无法在这里发送日报：这是未邀请 paperbot 的私有频道，"
        "或是群组私信。如果是私有频道，请在这里输入 `/invite @paperbot` 邀请它。"
        "paperbot 无法加入群组私信：请改为订阅一个频道，或你与 paperbot 的私信"
        "（应用 → paperbot → 消息）。否则日报会在首次推送时被暂停。",
    },
    "subscribe.slack.archived": {
        "en": "Note: this channel is archived, so paperbot cannot post the digest here. "
        "Unarchive it (and `/invite @paperbot`), or the digest will be paused at its first delivery.",
        "zh": "注意：本频道已归档，paperbot 无法在这里发送日报。"
        "请取消归档（并用 `/invite @paperbot` 邀请它），否则日报会在首次推送时被暂停。",
    },
    # Discord's permission names, as its clients show them in each language.
    "permission.view_channel": {"en": "View Channel", "zh": "查看频道"},
    "permission.send_messages": {"en": "Send Messages", "zh": "发送消息"},
    "permission.send_messages_in_threads": {"en": "Send Messages in Threads", "zh": "在子区中发送消息"},
    "permission.embed_links": {"en": "Embed Links", "zh": "嵌入链接"},
    "permission.read_message_history": {"en": "Read Message History", "zh": "阅读消息历史"},
    # Discord's reasons.
    "pause.missing_access": {
        "en": "paperbot can no longer see this channel",
        "zh": "paperbot 已无法访问本频道",
    },
    "pause.missing_permissions": {
        "en": "paperbot may not post here",
        "zh": "paperbot 没有在本频道发消息的权限",
    },
    "pause.unknown_channel": {"en": "the channel no longer exists", "zh": "频道已不存在"},
    "pause.not_messageable": {
        "en": "this channel does not take messages (a category, forum or voice channel?)",
        "zh": "该频道无法接收消息（是分类、论坛或语音频道吗？）",
    },
    "pause.left_server": {
        "en": "paperbot is no longer in this server (it left or was removed)",
        "zh": "paperbot 已不在此服务器中（已退出或被移除）",
    },
    "pause.fix.reinvite": {
        "en": "add paperbot to the server again, then run `/paper subscribe …` in the channel",
        "zh": "请重新将 paperbot 添加到服务器，然后在频道中运行 `/paper subscribe …`",
    },
    "pause.fix.permissions": {
        "en": "give paperbot View Channel, Send Messages, Send Messages in Threads, "
        "Embed Links and Read Message History in this channel, "
        "then run `/paper subscribe …` here again",
        "zh": "请在本频道授予 paperbot 查看频道、发送消息、在子区中发送消息、"
        "嵌入链接和阅读消息历史的权限，"
        "然后在这里重新运行 `/paper subscribe …`",
    },
    # Personal digests: the same commands in a reader's DM with the app (issue 19).
    # The same replies in a reader's own DM with the app (CommandContext.say picks them).
    "subscribe.resumed.personal": {
        "en": "Resumed: your personal digest is back on. It follows {topics}. {when}",
        "zh": "已恢复：你的个人日报重新发送。订阅：{topics}。{when}",
    },
    "subscribe.unchanged.personal": {
        "en": "Nothing new: your personal digest already follows {topics}.",
        "zh": "没有变化：你的个人日报已订阅 {topics}。",
    },
    "unsubscribe.all.personal": {
        "en": "Unsubscribed: your personal digest has stopped.",
        "zh": "已全部退订：不再给你发送个人日报。",
    },
    "unsubscribe.last.personal": {
        "en": "Unsubscribed from {removed}. Your personal digest follows nothing now, so none comes; "
        "its time, language and settings are kept for your next subscription (/paper unsubscribe all "
        "forgets them).",
        "zh": "已取消订阅 {removed}。你的个人日报现在没有订阅任何主题，不再发送；"
        "推送时间、语言和日报设置会保留，重新订阅时沿用（/paper unsubscribe all 可全部清除）。",
    },
    "unsubscribe.done.personal": {
        "en": "Unsubscribed from {removed}. Your personal digest still follows: {topics}.",
        "zh": "已取消订阅 {removed}。你的个人日报仍在订阅：{topics}。",
    },
    "unsubscribe.nothing.personal": {
        "en": "You have no personal digest: there is nothing to unsubscribe from.",
        "zh": "你还没有个人日报，无需退订。",
    },
    "unsubscribe.not_following.personal": {
        "en": "Your personal digest does not follow {removed}.",
        "zh": "你的个人日报没有订阅 {removed}。",
    },
    "need_subscription.personal": {
        "en": "Subscribe here first: /paper subscribe TOPICS (your personal digest comes to this DM)",
        "zh": "请先在这里订阅：/paper subscribe 主题（个人日报会发到这个私信）",
    },
    "exclude.done.personal": {
        "en": "Excluded {removed}: papers about it stay out of your personal digest. Now: {topics}.",
        "zh": "已排除 {removed}：相关论文不会再出现在你的个人日报中。当前：{topics}。",
    },
    "include.not_excluded.personal": {
        "en": "Your personal digest does not exclude {removed}.",
        "zh": "你的个人日报没有排除 {removed}。",
    },
    "language.done.personal": {
        "en": "Your personal digest is now in {language}.",
        "zh": "你的个人日报语言已设为{language}。",
    },
    "digest.not_subscribed.personal": {
        "en": "You have no personal digest yet — try /paper subscribe RL, video generation",
        "zh": "你还没有个人日报 —— 试试 /paper subscribe 强化学习、视频生成",
    },
    "feedback.up.personal": {
        "en": "Noted: more papers like this one in your personal digest (vote the same again to undo).",
        "zh": "已记录：你的个人日报会多推荐类似的论文（再投一次同样的票可撤回）。",
    },
    "feedback.down.personal": {
        "en": "Noted: fewer papers like this one in your personal digest (vote the same again to undo).",
        "zh": "已记录：你的个人日报会少推荐类似的论文（再投一次同样的票可撤回）。",
    },
    "feedback.no_digest.personal": {
        "en": "You have no personal digest, so a vote here would tune nothing; nothing was recorded. "
        "Vote in the channel whose digest showed the paper, or start one here (/paper subscribe TOPICS).",
        "zh": "你还没有个人日报，在这里投票不会影响任何推荐，未记录。请在推送这篇论文的频道里投票，"
        "或在这里订阅个人日报（/paper subscribe 主题）。",
    },
    "subscribe.done.personal": {
        "en": "Subscribed. Your personal digest now follows: {topics}. It comes to this DM. {when}",
        "zh": "订阅成功。你的个人日报现在订阅：{topics}，发到这个私信。{when}",
    },
    "list.none.personal": {
        "en": "You have no personal digest yet. Subscribe here with /paper subscribe TOPICS "
        "(see /paper topics): the digest comes to this DM.",
        "zh": "你还没有个人日报。在这里用 /paper subscribe 主题 订阅（主题列表见 /paper topics），"
        "日报会发到这个私信。",
    },
    "list.some.personal": {
        "en": "Your personal digest follows: {topics}\n{when} Language: {language}.{paused}",
        "zh": "你的个人日报订阅：{topics}\n{when}语言：{language}。{paused}",
    },
    "not_allowed.dm": {
        "en": "A personal digest lives in your own DM with paperbot: open paperbot's Messages tab "
        "(Slack) or your DM with it (Discord) and run the command there.",
        "zh": "个人日报只在你与 paperbot 的私信中设置：请打开 paperbot 的“消息”标签页（Slack）"
        "或与它的私信（Discord），在那里运行该命令。",
    },
    "personal.owner": {
        "en": "the personal digest of user {user} ({channel})",
        "zh": "用户 {user} 的个人日报（{channel}）",
    },
    "home.title": {"en": "paperbot — this workspace's subscriptions", "zh": "paperbot —— 本工作区的订阅"},
    "home.personal": {"en": "🔒 Your personal digest (DM)", "zh": "🔒 你的个人日报（私信）"},
    "home.personal.others": {
        "en": "…and {count} personal digest of another reader (theirs to see).|"
        "…and {count} personal digests of other readers (theirs to see).",
        "zh": "……另有 {count} 位读者的个人日报（仅本人可见）。",
    },
    # A subscribed public channel the viewer is in and paperbot is not (handlers/slack/app.py).
    "home.not_member": {
        "en": "paperbot is not in this channel, so its digest will be paused: `/invite @paperbot` there",
        "zh": "paperbot 不在该频道中，日报将被暂停：请在该频道输入 `/invite @paperbot`",
    },
    "home.none": {
        "en": "No channel you can see follows anything yet. `/paper subscribe TOPICS` in a channel "
        "starts its digest (see `/paper topics`).",
        "zh": "你能看到的频道还没有任何订阅。在频道中运行 `/paper subscribe 主题` 即可开始它的日报"
        "（主题列表见 `/paper topics`）。",
    },
    "home.more": {
        "en": "…and {count} more channel, not listed here: `/paper list` in a channel shows what it "
        "follows.|…and {count} more channels, not listed here: `/paper list` in a channel shows what "
        "it follows.",
        "zh": "……另有 {count} 个频道未在此列出：在频道中运行 `/paper list` 可查看它的订阅。",
    },
    "home.unknown": {
        "en": "Some channels may be missing: Slack did not say which channels you can see, so only "
        "those it confirmed are listed. `/paper list` in a channel shows what it follows.",
        "zh": "部分频道可能未列出：Slack 没有告知你能看到哪些频道，因此只列出已确认的频道。"
        "在频道中运行 `/paper list` 可查看它的订阅。",
    },
    "pause.user_deactivated": {
        "en": "the reader's Slack account was deactivated",
        "zh": "读者的 Slack 账号已停用",
    },
    "pause.dm_closed": {
        "en": "the reader no longer accepts direct messages from paperbot "
        "(DMs turned off, the bot blocked, or no server shared with it any more)",
        "zh": "读者已不再接收 paperbot 的私信（关闭了私信、屏蔽了机器人，或已不再与它同在任何服务器）",
    },
    "pause.fix.personal": {
        "en": "the reader runs `/paper subscribe …` in their DM with paperbot again "
        "once paperbot can message them",
        "zh": "待 paperbot 能再给读者发私信后，由读者在与 paperbot 的私信中重新运行 `/paper subscribe …`",
    },
    "slack.other_workspace": {
        "en": "This paperbot serves another Slack workspace, so nothing was changed. "
        "Ask an admin of your workspace to install paperbot there.",
        "zh": "此 paperbot 服务于另一个 Slack 工作区，因此未做任何更改。"
        "请让你所在工作区的管理员在本工作区安装 paperbot。",
    },
    "slack.not_ready": {
        # paperbot was started while Slack's Web API did not answer it (an outage): it keeps trying.
        "en": "paperbot cannot reach Slack right now (it started during a Slack outage and keeps "
        "trying), so nothing was changed. Try again in a few minutes.",
        "zh": "paperbot 暂时无法连接 Slack（它在 Slack 故障期间启动，正在持续重试），因此未做任何更改。"
        "请几分钟后重试。",
    },
    "slack.not_installed": {
        # Bolt says the same whether no installation was found or the database holding the
        # installations could not be read: name both, so nobody reinstalls during an outage.
        "en": "paperbot found no installation for this workspace (it was removed, or paperbot cannot "
        "read its database right now), so nothing was changed. Try again in a minute; if this "
        "persists, ask an admin of your workspace to add paperbot again.",
        "zh": "paperbot 找不到本工作区的安装信息（安装已被移除，或 paperbot 暂时无法读取其数据库），"
        "因此未做任何更改。请一分钟后重试；若仍如此，请让你所在工作区的管理员重新添加 paperbot。",
    },
}


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalogue message used as a value in another (`t("error.x", problem=Phrase(...))`): it
    is said in the same language as the message around it."""

    key: str
    values: dict[str, object] = field(default_factory=dict)


def for_reader(key: str, personal: bool) -> str:
    """`key`, or its wording for a reader's own DM with the app (`KEY.personal`: "your personal
    digest", not "this channel") when `personal` and the catalogue has one."""
    return f"{key}.personal" if personal and f"{key}.personal" in MESSAGES else key


def t(key: str, locale: str = "en", **values: object) -> str:
    """The message `key` in `locale` (English when the locale has no text for it)."""
    values = {
        name: t(value.key, locale, **value.values) if isinstance(value, Phrase) else value
        for name, value in values.items()
    }
    texts = MESSAGES[key]
    text = texts.get(locale) or texts["en"]
    if "|" in text and "count" in values:  # singular|plural, chosen by `count` (else "|" is text)
        singular, plural = text.split("|", 1)
        text = singular if values.get("count") == 1 else plural
    return text.format(**values)


def join_list(items: Iterable[str], locale: str) -> str:
    """`RL, agents` / `强化学习、智能体`: the items of a list inside a sentence."""
    return t("list.separator", locale).join(items)


def quoted(text: str, locale: str) -> str:
    """`"world model"` / `「world model」`: a keyword as typed, marked as one."""
    return t("quoted", locale, text=text)


def labelled(label: str, value: str, locale: str) -> str:
    """`Topics: RL` / `主题：强化学习`: a label and its value on one line."""
    return t("labelled", locale, label=label, value=value)


def aside(text: str, note: str, locale: str) -> str:
    """`yesterday (2026-12-05)` / `昨天（2026-12-05）`: a text and a note on it."""
    return t("aside", locale, text=text, aside=note)


def then_say(text: str, more: str, locale: str) -> str:
    """`Subscribed. Note: …` / `订阅成功。注意：…`: `more` said after `text`, in one paragraph."""
    return t("then", locale, text=text, more=more)


def wrote_chinese(text: str) -> bool:
    return _CJK.search(text) is not None


def locale_of_text(text: str, default: Locale = "en") -> Locale:
    """Chinese when the user wrote Chinese; otherwise `default`."""
    return "zh" if wrote_chinese(text) else default
