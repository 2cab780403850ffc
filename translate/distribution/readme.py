"""The README.txt of a bundle, in each edition's language: how a reader
checks the files, and the key id to expect.

It travels unsigned (a bundle is made without the secret key), so
``translate verify`` writes it again from what is signed (the bundle's
manifest.json, the key that signed SHA256SUMS, the bundle's name) and
refuses a bundle whose README differs (translate.distribution.signed_folder).
"""

from __future__ import annotations

from translate.project.languages import Language

# The README of a bundle, in the edition's language. Commands, file names and
# the key id stay Latin on lines of their own, so they read the same in
# right-to-left text.
README_TEXT = {
    "en": ("How to check these files",
           "These files are published by the publisher of the article above. Before sharing them, check that "
           "they come from the publisher and were not changed. In this folder, run:",
           "The key id must be {fingerprint}. Compare it with the one the publisher shows on its website or "
           "social media. A different key id, or any error from the command, means the files must not be "
           "trusted."),
    "ru": ("Как проверить эти файлы",
           "Эти файлы выпущены издателем статьи, указанной выше. Прежде чем пересылать их, проверьте, что они "
           "получены от издателя и не были изменены. В этой папке выполните:",
           "Идентификатор ключа должен быть {fingerprint}. Сравните его с тем, который издатель показывает на "
           "своём сайте или в соцсетях. Другой идентификатор ключа или любая ошибка команды означают, что "
           "файлам доверять нельзя."),
    "prs": ("چگونه این فایل‌ها را بررسی کنید",
            "این فایل‌ها از سوی ناشر مقالهٔ بالا نشر شده‌اند. پیش از فرستادن آن‌ها به دیگران، بررسی کنید که از ناشر "
            "آمده‌اند و تغییر نکرده‌اند. در همین پوشه این دستور را اجرا کنید:",
            "شناسهٔ کلید باید {fingerprint} باشد. آن را با شناسه‌ای که ناشر در وب‌سایت یا شبکه‌های اجتماعی خود نشان "
            "می‌دهد مقایسه کنید. شناسهٔ دیگر یا هر خطایی از این دستور یعنی نباید به این فایل‌ها اعتماد کرد."),
    "ps": ("دا فایلونه څنګه وڅېړئ",
           "دا فایلونه د پورته مقالې د خپروونکي له خوا خپاره شوي دي. مخکې له دې چې یې نورو ته ولېږئ، وڅېړئ چې له "
           "خپروونکي راغلي او بدل شوي نه دي. په همدې فولډر کې دا کمانډ وچلوئ:",
           "د کلي پېژندنه باید {fingerprint} وي. هغه د هغې پېژندنې سره پرتله کړئ چې خپروونکی یې په خپله وېبپاڼه "
           "یا ټولنیزو رسنیو کې ښيي. بله پېژندنه یا د دې کمانډ هره تېروتنه دا معنا لري چې په دې فایلونو باور ونه "
           "شي."),
    "kk": ("Бұл файлдарды қалай тексеруге болады",
           "Бұл файлдарды жоғарыдағы мақаланың баспагері жариялаған. Оларды басқаларға жібермес бұрын, олардың "
           "баспагерден келгенін және өзгертілмегенін тексеріңіз. Осы қалтада мына команданы орындаңыз:",
           "Кілт идентификаторы {fingerprint} болуы керек. Оны баспагер өз сайтында немесе әлеуметтік желілерінде "
           "көрсеткен идентификатормен салыстырыңыз. Басқа идентификатор немесе команданың кез келген қатесі "
           "файлдарға сенуге болмайтынын білдіреді."),
}
VERIFY_COMMAND = "minisign -Vm SHA256SUMS -p publisher.pub && sha256sum -c --ignore-missing SHA256SUMS"


def readme(langs: list[Language], titles: dict[str, str], fingerprint: str, bundle_name: str) -> str:
    """The bundle's README.txt: for each language, its heading, the article's
    title, the command, the key id; then the same command for translate."""
    parts = []
    for lang in langs:
        heading, intro, key_line = README_TEXT[lang.key]
        parts.append(f"{heading}\n{'=' * len(heading)}\n\n{titles.get(lang.key, '')}\n\n{intro}\n\n"
                     f"    {VERIFY_COMMAND}\n\n{key_line.format(fingerprint=fingerprint)}\n")
    parts.append(f"    translate verify {bundle_name}\n")
    return "\n".join(parts)
