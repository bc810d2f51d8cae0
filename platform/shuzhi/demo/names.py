"""Plausible Chinese personal names, the same every run (a seeded ``random.Random``)."""

from __future__ import annotations

import random

# Common surnames, roughly in order of frequency; the first ones come up more often.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵"
)
# Given-name characters by the way they are usually read; one name draws from one pool.
GIVEN = (
    "建国军华明志伟平海涛波强刚勇磊杰斌辉鹏飞东林文德宏新永立庆祥福生成俊峰超亮宇浩鑫阳光锋毅凯卫忠振兴培",
    "红英丽芳敏静霞燕玲婷娟秀兰桂春梅凤琴洁晓欣晨琳雪慧艳秋玉萍琼丹颖倩",
)


class NameMaker:
    """Distinct names for one tenant; the sequence depends only on the seed."""

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)
        self._used: set[str] = set()

    @property
    def rng(self) -> random.Random:
        return self._rng

    def name(self) -> str:
        while True:
            # Favour frequent surnames the way a real roster does.
            surname = SURNAMES[min(int(self._rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
            pool = GIVEN[1 if self._rng.random() < 0.4 else 0]  # secretaries: more men than women
            length = 1 if self._rng.random() < 0.3 else 2
            given = "".join(self._rng.choice(pool) for _ in range(length))
            if given[0] == given[-1] and length == 2 and self._rng.random() < 0.8:
                continue  # doubled given names (婷婷) are rarer than chance makes them
            full = surname + given
            if full not in self._used:
                self._used.add(full)
                return full
