"""Topic matching fan-out: one 50-paper report against 10,000 subscriptions, against the naive way.

    .venv/bin/python benchmarks/bench_match.py [--subscriptions 10000] [--naive-sample 300] [--quick]
    .venv/bin/python benchmarks/bench_match.py --profile     # also where the fast path spends its time

The report is made of real papers: the bundled sample, the evaluation reports in
benchmarks/eval/reports/ and the reference report when ../shared is beside the checkout, taken in
turn from each report (cycled if there are fewer than 50). Subscriptions are generated with a fixed
seed: 1-4 built-in topics each, popular topics more often, and for about 30% of them 1-2 free
keywords from a pool of ~230 that repeat across subscriptions as they would in a lab.

fast:  `ReportMatcher(papers, taxonomy)` (every paper profiled against the whole taxonomy once)
       plus `matcher.select(interests)` for every subscription — which papers each channel gets,
       best first: the whole fan-out of one report. A fresh matcher each run, so no cache carries
       over between runs. Also timed: `match()` for every subscription, which adds the reasons
       and cards' data, work a channel's digest does once, when it is built for delivery.
naive: per subscription, per paper, `paper_fields` and `score_topic` / `score_keyword` for each of
       its terms, from scratch. Timed on a random sample of subscriptions and extrapolated
       linearly; both ways must select the same papers for every sampled subscription.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import machine, summary, time_calls  # noqa: E402
from bot.models import Interests, Paper  # noqa: E402
from bot.reports.sources.local import LocalSource  # noqa: E402
from bot.runtime.config import SAMPLE_REPORT  # noqa: E402
from bot.topics.matcher import (  # noqa: E402
    PaperMatch,
    ReportMatcher,
    TermMatch,
    keyword_pattern,
    paper_fields,
    score_keyword,
    score_topic,
)
from bot.topics.resolve import resolve_terms  # noqa: E402
from bot.topics.taxonomy import Taxonomy, builtin_taxonomy  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "report-2026-02-03.md"
EVAL_REPORTS = ROOT / "benchmarks" / "eval" / "reports"
SEED = 20260203
GOAL_MS = 50.0
GOAL_RATIO = 20.0
KEYWORD_SHARE = 0.30

# Free keywords a lab's channels follow: method names, task phrases, Chinese terms. Some are
# also topic names (a quoted "world model" is a keyword, not the topic).
KEYWORD_POOL: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *("GRPO", "PPO", "DPO", "RLHF", "RLVR", "diffusion distillation", "world model", "LoRA"),
            *("KV cache", "Gaussian splatting", "3D Gaussian splatting", "NeRF", "flow matching"),
            *("rectified flow", "consistency model", "mixture of experts", "MoE", "speculative decoding"),
            *("quantization", "sparse attention", "linear attention", "state space model", "Mamba"),
            *("test-time scaling", "chain of thought", "process reward model", "reward model"),
            *("reward hacking", "self-play", "curriculum learning", "data synthesis", "synthetic data"),
            *("instruction tuning", "preference optimization", "long video", "video generation"),
            *("text-to-video", "image editing", "virtual try-on", "talking head", "motion generation"),
            *("human motion", "avatar", "4D reconstruction", "novel view synthesis", "depth estimation"),
            *("point cloud", "SLAM", "occupancy", "autonomous driving", "end-to-end driving"),
            *("trajectory prediction", "VLA", "vision-language-action", "humanoid"),
            *("dexterous manipulation", "imitation learning", "sim-to-real", "embodied navigation"),
            *("GUI agent", "web agent", "computer use", "tool use", "function calling", "MCP"),
            *("multi-agent", "deep research", "agent memory", "memory", "RAG"),
            *("retrieval-augmented generation", "reranker", "embedding model", "knowledge graph"),
            *("hallucination", "jailbreak", "red teaming", "watermarking", "machine unlearning"),
            *("interpretability", "sparse autoencoder", "steering vector", "activation steering", "OCR"),
            *("document parsing", "table understanding", "chart understanding", "visual grounding"),
            *("referring segmentation", "SAM", "open-vocabulary detection", "video understanding"),
            *("temporal grounding", "video QA", "streaming video", "audio generation", "TTS"),
            *("speech recognition", "music generation", "voice cloning", "spoken dialogue"),
            *("code generation", "SWE-bench", "code repair", "program synthesis", "theorem proving"),
            *("Lean", "math reasoning", "formal verification", "scientific discovery", "protein design"),
            *("molecule generation", "drug discovery", "weather forecasting", "time series forecasting"),
            *("recommendation", "CTR prediction", "tokenizer", "visual tokenizer"),
            *("autoregressive image generation", "unified multimodal model", "any-to-any", "MLLM"),
            *("VLM", "vision encoder", "CLIP", "contrastive learning", "knowledge distillation"),
            *("model merging", "pruning", "low-bit quantization", "FP8", "mixed precision"),
            *("pretraining data", "data curation", "scaling law", "optimizer", "Muon"),
            *("learning rate schedule", "long context", "context compression", "token pruning"),
            *("early exit", "inference efficiency", "on-device", "edge deployment", "benchmark"),
            *("LLM-as-a-judge", "evaluation", "multilingual", "low-resource languages"),
            *("machine translation", "personalization", "role-playing", "medical imaging"),
            *("radiology report", "clinical", "pathology", "federated learning", "privacy"),
            *("diffusion transformer", "DiT", "video diffusion", "camera control"),
            *("subject-driven generation", "style transfer", "super-resolution", "image restoration"),
            *("3D generation", "text-to-3D", "mesh generation", "scene generation"),
            *("physics simulation", "reinforcement fine-tuning", "entropy collapse", "exploration"),
            *("policy gradient", "off-policy", "verifier", "self-correction", "reflection"),
            *("latent reasoning", "multi-turn RL", "agentic RL", "parallel thinking", "overthinking"),
            *("adaptive reasoning", "benchmark contamination", "agent evaluation", "long-horizon"),
            *("蒸馏", "长视频", "世界模型", "强化学习", "扩散模型", "多模态", "大模型推理", "量化"),
            *("知识蒸馏", "视频生成", "图像编辑", "三维重建", "自动驾驶", "具身智能", "机器人"),
            *("智能体", "检索增强", "幻觉", "越狱", "对齐", "奖励模型", "思维链", "长上下文"),
            *("稀疏注意力", "推理加速", "模型合并", "数据合成", "合成数据", "语音合成", "音乐生成"),
            *("代码生成", "数学推理", "定理证明", "文档解析", "视频理解", "目标检测", "图像分割"),
            *("医学影像", "药物发现", "蛋白质", "推荐系统", "时间序列", "多语言", "机器翻译"),
            *("评测基准", "偏好优化", "测试时扩展", "高斯泼溅", "人形机器人", "灵巧操作", "虚拟试穿"),
            *("数字人", "视频编辑", "多智能体", "工具调用"),
        ]
    )
)


def load_papers(count: int) -> tuple[list[Paper], list[str]]:
    """`count` papers taken in turn from each available report (cycled if there are fewer)."""
    paths = [SAMPLE_REPORT, *sorted(EVAL_REPORTS.glob("*.md"))]
    if REFERENCE.exists():
        paths.append(REFERENCE)

    async def read_all() -> list[tuple[Paper, ...]]:
        return [(await LocalSource(path).read()).papers for path in paths]

    reports = asyncio.run(read_all())
    used = [f"{path.name} ({len(papers)})" for path, papers in zip(paths, reports, strict=True)]
    pool: list[Paper] = []
    seen: set[str] = set()
    for row in range(max(len(papers) for papers in reports)):
        for papers in reports:
            if row < len(papers) and papers[row].arxiv_id not in seen:
                seen.add(papers[row].arxiv_id)
                pool.append(papers[row])
    return [pool[n % len(pool)] for n in range(count)], used


def make_subscriptions(taxonomy: Taxonomy, count: int, rng: random.Random) -> list[Interests]:
    """Interests as a user would type them, through the real parser: topic names, quoted keywords.
    Topic popularity is Zipf-like in taxonomy order; keyword popularity Zipf-like over a shuffled
    pool, so a few keywords are followed by many channels and most by a few."""
    topics = list(taxonomy)
    topic_weights = [1 / (rank + 1) for rank in range(len(topics))]
    keywords = list(KEYWORD_POOL)
    rng.shuffle(keywords)
    keyword_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(keywords))]

    def pick(items: list[Any], weights: list[float], k: int) -> list[Any]:
        chosen: list[Any] = []
        while len(chosen) < k:
            item = rng.choices(items, weights)[0]
            if item not in chosen:
                chosen.append(item)
        return chosen

    subscriptions = []
    for _ in range(count):
        names = [
            topic.name for topic in pick(topics, topic_weights, rng.choices((1, 2, 3, 4), (4, 3, 2, 1))[0])
        ]
        if rng.random() < KEYWORD_SHARE:
            names += [f'"{word}"' for word in pick(keywords, keyword_weights, rng.randint(1, 2))]
        subscriptions.append(resolve_terms(", ".join(names), taxonomy))
    return subscriptions


def fan_out(papers: Sequence[Paper], taxonomy: Taxonomy, subscriptions: Sequence[Interests]) -> int:
    """What production does for one report: profile it once, then pick for every subscription."""
    matcher = ReportMatcher(papers, taxonomy)
    selected = 0
    for interests in subscriptions:
        selected += len(matcher.select(interests))
    return selected


def fan_out_with_reasons(
    papers: Sequence[Paper], taxonomy: Taxonomy, subscriptions: Sequence[Interests]
) -> int:
    """The fan-out plus every channel's matches with their reasons (what digests are built from)."""
    matcher = ReportMatcher(papers, taxonomy)
    return sum(len(matcher.match(interests)) for interests in subscriptions)


def naive_match(papers: Sequence[Paper], taxonomy: Taxonomy, interests: Interests) -> list[PaperMatch]:
    """One subscription scanning every paper's text for each of its terms, sharing nothing."""
    selected = []
    for position, paper in enumerate(papers):
        fields = paper_fields(paper)
        found: list[TermMatch] = []
        for topic_id in interests.topics:
            hit = score_topic(taxonomy.get(topic_id), fields)
            if hit is not None:
                found.append(hit)
        for keyword in interests.keywords:
            hit = score_keyword(keyword, keyword_pattern(keyword, *taxonomy.spellings(keyword)), fields)
            if hit is not None:
                found.append(hit)
        if found:
            found.sort(key=lambda m: -m.score)
            selected.append(PaperMatch(paper, position, tuple(found)))
    selected.sort(key=lambda pm: (-pm.score, pm.position))
    return selected


def profile(papers: Sequence[Paper], taxonomy: Taxonomy, subscriptions: Sequence[Interests]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fan_out(papers, taxonomy, subscriptions)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats(14)
    print("\ncProfile of one fan-out (profiler overhead inflates the total):")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    options = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    options.add_argument("--papers", type=int, default=50)
    options.add_argument("--subscriptions", type=int, default=10_000)
    options.add_argument("--runs", type=int, default=7, help="timed fan-outs (after one warm-up)")
    options.add_argument("--naive-sample", type=int, default=300, help="subscriptions timed the naive way")
    options.add_argument("--quick", action="store_true", help="3 runs, a naive sample of 50")
    options.add_argument("--profile", action="store_true", help="cProfile one fan-out and print the top")
    args = options.parse_args()
    runs = 3 if args.quick else args.runs
    sample_size = min(args.subscriptions, 50 if args.quick else args.naive_sample)

    taxonomy = builtin_taxonomy()  # parsed and compiled once per process, as in the bot
    papers, used = load_papers(args.papers)
    rng = random.Random(SEED)
    subscriptions = make_subscriptions(taxonomy, args.subscriptions, rng)
    keywords = {k for s in subscriptions for k in s.keywords}
    with_keywords = sum(1 for s in subscriptions if s.keywords)
    terms = [len(s.topics) + len(s.keywords) for s in subscriptions]

    print(f"machine: {machine()}")
    print(f"reports: {', '.join(used)}")
    print(f"papers: {len(papers)} ({len({p.arxiv_id for p in papers})} distinct)")
    print(
        f"subscriptions: {len(subscriptions):,} (seed {SEED}); {sum(terms) / len(terms):.2f} terms each; "
        f"{with_keywords:,} with free keywords; {len(keywords)} distinct keywords "
        f"(pool {len(KEYWORD_POOL)}); taxonomy {len(taxonomy)} topics"
    )

    # The first fan-out in the process also compiles every keyword's pattern.
    started = time.perf_counter_ns()
    selected = fan_out(papers, taxonomy, subscriptions)
    cold = (time.perf_counter_ns() - started) / 1e6
    build = summary(time_calls(lambda: ReportMatcher(papers, taxonomy), runs, warmup=1))
    fast_timings = time_calls(lambda: fan_out(papers, taxonomy, subscriptions), runs, warmup=1)
    fast_median, fast_p95 = summary(fast_timings)
    full_median, _ = summary(
        time_calls(lambda: fan_out_with_reasons(papers, taxonomy, subscriptions), runs, 1)
    )

    tracemalloc.start()
    fan_out(papers, taxonomy, subscriptions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Naive: a random sample of subscriptions, checked against the fast way, then extrapolated.
    sample = random.Random(SEED + 1).sample(subscriptions, sample_size)
    matcher = ReportMatcher(papers, taxonomy)
    expected = [matcher.match(interests) for interests in sample]
    gc.disable()  # as time_calls does for the fast way
    try:
        started = time.perf_counter_ns()
        got = [naive_match(papers, taxonomy, interests) for interests in sample]
        naive_sample_ms = (time.perf_counter_ns() - started) / 1e6
    finally:
        gc.enable()
    for interests, fast, naive in zip(sample, expected, got, strict=True):
        assert fast == naive, f"fast and naive ways disagree for {interests}"
        assert matcher.select(interests) == tuple(m.position for m in naive), (
            f"select() disagrees for {interests}"
        )
    naive_ms = naive_sample_ms / sample_size * len(subscriptions)
    ratio = naive_ms / fast_median

    per_sub = [len(m) for m in expected]
    print(
        f"papers selected per subscription: mean {selected / len(subscriptions):.1f}, "
        f"median {statistics.median(per_sub):.0f} in the naive sample"
    )
    print(f"\nfast, whole fan-out ({runs} runs, fresh ReportMatcher each):")
    print(f"  median {fast_median:8.1f} ms   p95 {fast_p95:8.1f} ms   first run in process {cold:.1f} ms")
    print(
        f"  of which ReportMatcher(...) median {build[0]:.1f} ms; "
        f"select() for all {len(subscriptions):,} ≈ {fast_median - build[0]:.1f} ms"
    )
    print(
        "  with every channel's matches and reasons (match() instead of select()): "
        f"median {full_median:.1f} ms"
    )
    per_subscription_us = fast_median / len(subscriptions) * 1000
    print(f"  per subscription {per_subscription_us:.1f} µs (fan-out median / subscriptions)")
    print(f"  peak traced memory {peak / 2**20:.1f} MiB (tracemalloc, one fan-out)")
    print(f"\nnaive: {sample_size} sampled subscriptions took {naive_sample_ms:,.0f} ms")
    print(
        f"  extrapolated linearly to {len(subscriptions):,}: {naive_ms:,.0f} ms "
        f"({naive_sample_ms / sample_size:.1f} ms per subscription)"
    )
    print(
        f"  same papers, order, terms, scores and evidence as the fast way for all {sample_size} sampled: yes"
    )
    print(f"\nratio naive / fast: {ratio:,.0f}×")
    print(f"goal fan-out median ≤ {GOAL_MS:.0f} ms: {verdict(fast_median <= GOAL_MS)} ({fast_median:.1f} ms)")
    print(f"goal ratio ≥ {GOAL_RATIO:.0f}×: {verdict(ratio >= GOAL_RATIO)} ({ratio:,.0f}×)")

    if args.profile:
        profile(papers, taxonomy, subscriptions)


if __name__ == "__main__":
    main()
