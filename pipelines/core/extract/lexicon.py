"""The words that mark chrome and related-news blocks, in the languages the pipeline sees.

Kept in one place because both the HTML and the text/plain extractors use them, and because a
reviewer adding a language should only have to touch this file. Patterns match the *start* of a
block (headings, labels) or a whole short line; they are never applied to long paragraphs."""

from __future__ import annotations

import re

RELATED_HEADING = re.compile(
    r"^\W{0,3}(?:"
    r"similar news|related(?: news| stories| articles| posts| content| coverage)?"
    r"|more (?:news|stories|on this(?: story)?|from|in|about)|more like this"
    r"|you (?:may|might) (?:also )?(?:like|be interested)|recommended(?: for you)?"
    r"|(?:also )?read(?: also| more)?|see also|further reading"
    r"|berita (?:terkait|serupa|lainnya)|artikel terkait|baca juga|lihat juga"
    r"|ähnliche (?:nachrichten|artikel)|mehr (?:zum thema|nachrichten|aus|zu)|weitere (?:nachrichten|artikel|themen)"
    r"|das könnte sie (?:auch )?interessieren|lesen sie auch|auch interessant"
    r"|sur le même sujet|à lire (?:aussi|également)|lire aussi|articles (?:similaires|liés)|nos articles"
    r"|vous aimerez aussi|dans la même rubrique"
    r"|noticias (?:relacionadas|similares)|más noticias|lee también|lea también|te puede interesar"
    r"|notícias (?:relacionadas|semelhantes)|leia (?:também|mais)|veja também|saiba mais"
    r"|(?:mais|outras|últimas) notícias|(?:otras|últimas) noticias|autres articles|dernières nouvelles"
    r"|notizie (?:correlate|simili)|leggi anche|potrebbe interessarti|articoli correlati|altre notizie"
    r"|gerelateerd(?: nieuws)?|lees ook|meer nieuws|ook interessant"
    r")\b\s*(?:[:»›>|\-–—]|$)",
    re.IGNORECASE,
)
"""A block that opens a related / similar / more-news list (a heading, or a label glued to text).
Site-wide "most read" / "latest" lists are not related to the article: they are chrome."""

READ_ALSO = re.compile(
    r"^\W{0,3}(?:read also|also read|read more|see also|related|more|baca juga|lihat juga|simak juga|baca lainnya"
    r"|lesen sie auch|auch lesen|mehr zum thema|lire aussi|à lire aussi|voir aussi|lea también|lee también"
    r"|véase también|leia também|veja também|leggi anche|vedi anche|lees ook|zie ook|bekijk ook)"
    r"(?:\s*[:»›>|\-–—]\s*|\s+)",
    re.IGNORECASE,
)
"""An inline "Read also: <headline>" line inside the article: a related item, not body text."""

READ_MORE_LINE = re.compile(
    r"^\W{0,3}(?:read more|read the full (?:story|article)|continue reading"
    r"|baca (?:lebih )?(?:lanjut|lajut|selengkapnya)"
    r"|selengkapnya|weiterlesen|mehr lesen|lire la suite|lire plus|leer más|seguir leyendo|leia mais|continue lendo"
    r"|leggi (?:di più|tutto)|continua a leggere|lees meer|verder lezen)\s*[»›>…\.→]*\s*$",
    re.IGNORECASE,
)
"""A bare "Read more »" line (the link under a teaser)."""

CHROME_LINE = re.compile(
    r"^\W{0,3}(?:advertisement|advertising|sponsored|anzeige|werbung|publicité|publicidad|publicidade|pubblicità"
    r"|advertentie|iklan|share(?: this(?: article| story)?)?|teilen|partager|compartir|compartilhe|condividi|delen"
    r"|bagikan|follow us|folgen sie uns|suivez-nous|síguenos|siga-nos|seguici|volg ons|ikuti kami|print|drucken"
    r"|imprimer|imprimir|stampa|afdrukken|cetak|comments?|kommentare|commentaires|comentarios|comentários|commenti"
    r"|reacties|komentar|photo|foto|bild|image|imagen|imagem|source|quelle|fonte|fuente|sumber|bron"
    r"|cookie|we use cookies|wir verwenden cookies|nous utilisons des cookies|utilizamos cookies|usiamo i cookie"
    r"|wij gebruiken cookies|kami menggunakan cookie|sign up|subscribe|abonnieren|s'abonner|suscríbete|assine"
    r"|iscriviti|abonneer|berlangganan|newsletter|tags?|topics|themen|sujets|temas|argomenti|onderwerpen|topik"
    r"|all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados"
    r"|todos os direitos reservados|tutti i diritti riservati|alle rechten voorbehouden|hak cipta"
    r"|copyright)\b|^\W{0,3}(?:©|\(c\)\s*\d{4})",
    re.IGNORECASE,
)
"""The start of a short chrome line (labels, share/follow/subscribe prompts, copyright)."""

BYLINE_PREFIX = re.compile(
    r"^\s*(?:by|von|par|por|oleh|di|da|door|texto|text|reporter|penulis|editor|written by|escrito por)\s*:?\s+",
    re.IGNORECASE,
)
NAME_PARTICLES = frozenset(
    [
        "de", "da", "do", "dos", "das", "di", "del", "della", "van", "von", "der", "den", "ter", "le", "la", "du",
        "bin", "binti", "al", "el", "y", "e",
    ]
)
ROLE_WORDS = re.compile(
    r"\b(?:correspondent|reporter|editor|staff|writer|desk|redaksi|redaktion|rédaction|redacción|redação|redazione"
    r"|redactie|agency|agentur|agence|agencia|agência|agenzia|news|press|wire|korrespondent|journalist|journaliste"
    r"|periodista|jornalista|giornalista|verslaggever|wartawan|kontributor|photo|foto|updated|published)\b",
    re.IGNORECASE,
)
AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\bdan\b|\by\b|\be\b|\ben\b|\bdan\b)\s*")

PUBLISHED_LABEL = re.compile(
    r"\b(?:published|posted|veröffentlicht|erschienen|stand|publié|publicado|publicada|diterbitkan|dipublikasikan"
    r"|pubblicato|gepubliceerd|geplaatst)\b",
    re.IGNORECASE,
)
UPDATED_LABEL = re.compile(
    r"\b(?:updated|last updated|modified|aktualisiert|zuletzt aktualisiert|mis à jour|modifié|actualizado"
    r"|atualizado|diperbarui|aggiornato|bijgewerkt)\b",
    re.IGNORECASE,
)

TIME_AGO = re.compile(
    r"\b(?:\d+\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|jam|menit|hari|minggu|stunden?|minuten|tagen?"
    r"|heures?|jours?|horas?|minutos?|días?|dias|ore|minuti|giorni|uur|dagen)\s+(?:ago|yang lalu|lalu|geleden|fa"
    r"|atrás)|vor\s+\d+\s+\w+|il y a\s+\d+|hace\s+\d+|há\s+\d+)\b",
    re.IGNORECASE,
)
"""A relative timestamp ("2 hours ago", "3 jam yang lalu"): list and comment chrome."""
