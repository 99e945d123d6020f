# ruff: noqa: E501
"""Text material for the sample feed: per-language word lists, site chrome and sentence templates.

Everything the generator writes comes from here, so the feed reads like news in eight languages
without any download. The material is kept as compact line-oriented text instead of nested Python
literals because it is prose that a reviewer should be able to read and fix like prose.

Block syntax (one block per language):

- ``@key value`` is a setting; ``|`` separates list items. ``@towns`` are more places, for crawls
  spread over weeks (the generator's ``pages_per_day``), which hold more events than ``@cities``.
- ``== topic`` starts a section; every following line is ``CODE template``. Codes: ``T`` title,
  ``L`` lead, ``B`` body sentence, ``F`` follow-up title, ``G`` follow-up lead; in ``== generic``:
  ``K`` background, ``O`` outlook, ``U`` follow-up body, ``W old => new`` a wording change that
  syndicated copies apply.
- In templates ``{slot}`` is a story fact, ``[a|b]`` picks one variant per story (so different
  stories of one topic do not share long word runs), and ``<person:m|f>`` agrees with the gender
  of that person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AGENCY = "Meridian Press"
"""The (fictional) wire agency whose dateline and copyright line syndicated copies carry."""

TOPICS = ("storm", "strike", "budget", "football")
STORM_NAMES = ("Elin", "Marta", "Oskar", "Bruno", "Lidia", "Henrik", "Nadia", "Tomas", "Vera", "Caspar", "Ilse", "Ruben")
UI_KEYS = ("home", "read_more", "related", "share", "comments", "by", "published", "updated", "rights", "newsletter", "read_also", "accept", "most_read")

_RAW: dict[str, str] = {}

_RAW["en"] = """
@days Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday
@month November
@date {wd}, {d} {month} {y}
@sep ,.
@male James|Daniel|Thomas|Samuel|Owen
@female Emma|Olivia|Sophie|Grace|Hannah
@last Whitfield|Okafor|Brennan|Hughes|Patel|Morrison|Clarke|Doyle|Fenwick|Ashworth
@cities Leeds|Bristol|Sheffield|Plymouth|Norwich|Cardiff|Aberdeen|Hull|Derby|Exeter
@towns Leicester|Coventry|Bradford|Nottingham|Southampton|Portsmouth|Reading|Swansea|Dundee|Inverness|Carlisle|Lincoln|Gloucester|Worcester|Chester|Bath|Oxford|Cambridge|Ipswich|Preston
@teams {city} United|{city} Rovers|Athletic {city}|{city} Town
@orgs {city} Metro|Northline Rail|Harbour Buses|{city} Transit Group
@score {a}-{b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. All rights reserved.
@nav News|Politics|Business|Sport|Weather|Opinion|Culture
@ui Home|Read more|Related stories|Share this article|Comments|By|Published|Updated|All rights reserved.|Sign up for our morning briefing|Read also|Accept all|Most read
@cookie We use cookies to personalise content and ads and to analyse our traffic. By continuing to browse you agree to our cookie policy.
@talk Thoughts with everyone affected.|Same story every year, nothing ever changes.|Does anyone know if the 7.15 is running tomorrow?|Great reporting, thank you.
== storm
L Storm {storm} [swept across|tore through|battered] {city} overnight into {day}, [bringing down|toppling] trees and power lines and leaving {n1} households without [electricity|power], [the local grid operator said|according to the regional network operator].
L [Thousands of residents|Tens of thousands of people] in {city} [woke up|started the day] without power on {day} after Storm {storm} [battered the region|hit the area] with gusts of up to {kmh} km/h.
B [Firefighters|Fire crews] [responded to|were called out to] {n3} [emergencies|incidents] in the space of twelve hours, [most of them|the majority] for fallen trees and flooded [basements|cellars].
B Up to {mm} millimetres of rain fell [in parts of the city|in some districts], and the river burst its banks near the [old harbour|marina], forcing the closure of two [main roads|major routes].
B “This is the [worst|most violent] storm we have seen here in more than a decade,” said {person}, [the head of the city’s fire service|who leads the fire brigade in {city}]. “Our crews have been working [through the night|around the clock].”
B {n2} people were treated for [minor|light] injuries, [mostly caused by flying debris|many of them hit by falling branches or broken glass], according to the regional health [authority|board].
B Rail services between {city} and {city2} were [suspended|halted] for [most of the morning|several hours] while engineers [cleared the tracks|removed fallen trees from the line].
T Storm {storm} leaves {n1} homes without power in {city}
T {city} counts the cost as Storm {storm} brings flooding and {kmh} km/h gusts
F Clean-up under way in {city} as power returns to most homes after Storm {storm}
G A day after Storm {storm} [tore through|hit] {city}, engineers have reconnected all but {n3} households, and the council has [opened a hardship fund|set up emergency grants] for residents whose homes were flooded.
== strike
L Workers at {org} began a {n2}-hour strike on {day}, [cancelling|forcing the cancellation of] {n3} services and leaving [tens of thousands of commuters|thousands of passengers] in {city} [looking for other ways|scrambling to find another way] to get to work.
L Public transport in {city} [ground to a halt|was brought to a standstill] on {day} as [staff|drivers and engineers] at {org} walked out in a [dispute|row] over pay and [working hours|shift patterns].
B The union is demanding a pay rise of {pay} percent, [arguing|saying] that wages have [fallen behind|failed to keep up with] the cost of living over the past [three|few] years.
B [Management|The company] has offered {pay_low} percent and says anything higher would force it to [cut routes|withdraw services] [next year|from the spring].
B “Nobody takes this decision lightly, but our members have [run out of patience|had enough],” said {person}, the union’s [regional secretary|lead negotiator in {city}].
B A spokesperson for {org}, {person2}, called the walkout “[disproportionate|unnecessary]” and [urged|called on] the union to return to [talks|the negotiating table].
B Roads into the city centre were [heavily congested|gridlocked] during the morning rush hour, and [some schools|several head teachers] reported that [a third of pupils|many pupils] arrived late.
T Commuters stranded as {org} staff walk out in {city}
T Strike at {org} halts trains and buses across {city}
F Talks resume at {org} as {city} braces for second strike day
G Negotiators from {org} and the union met again on {day} after the walkout that [disrupted travel across|paralysed] {city}, with both sides saying a compromise was [within reach|close].
== budget
L {city} City Council approved a £{money} million budget for next year on {day}, after a [debate|heated session] that [stretched|ran] late into the night.
L After more than six hours of [debate|argument], councillors in {city} voted through a £{money} million spending plan on {day} that includes [new money|extra funding] for schools, housing and public transport.
B The plan passed by {votes_for} votes to {votes_against}, with the opposition [criticising|attacking] what it called “unrealistic” [income|revenue] forecasts.
B Council leader {person} said the budget would “protect the services people rely on every day” while [keeping council tax unchanged|avoiding a rise in council tax].
B The [largest|biggest] single item is an extension of the tram network towards the [northern suburbs|north of the city], [expected to cost|budgeted at] £{n2} million over four years.
B Opposition leader {person2} accused the administration of relying on one-off land sales to [balance its books|close the gap] [and warned of cuts to come|instead of tackling the deficit].
B [Around|Some] {n3} residents attended the meeting, and several held up banners [calling for|demanding] more affordable housing.
T {city} council approves £{money}m budget after heated debate
T {city} passes budget with money for schools and new tram line
F Row over {city} budget deepens as {person2} calls for audit
G The [dispute|row] over the £{money} million budget approved by {city} council this week [intensified|escalated] on {day}, when opposition leader {person2} asked the [auditor|district auditor] to review the figures.
== football
L {team} beat {team2} {score} on {day} night, with {person2} scoring the winner after {minute} minutes in front of [{n1} spectators|a crowd of {n1}].
L A late goal from {person2} gave {team} a {score} [victory|win] over {team2} on {day}, lifting them to [third|fourth] place in the table.
B The visitors had the better of the first half and [hit the post twice|twice struck the woodwork] before the break, [while {team} struggled to create chances|and {team} were fortunate to be level].
B {team} manager {person} made two changes at half-time, and the switch to a back three [changed the course of the match|turned the game].
B “The players showed [real character|great spirit] tonight. We were not at our best, but we [kept believing|never gave up],” {person} [said after the game|told reporters afterwards].
B {team2} finished [the match|the game] with ten players after their captain was sent off [for a second yellow card|for a late challenge on {person2}].
B {team} have now won {wins} of their {games} league games this season, [including four in a row at home|and are unbeaten at home since August].
T {team} beat {team2} {score} with late goal from {person2}
T {person2} strikes late as {team} edge past {team2}
F {team} manager {person} plays down title talk after win over {team2}
G A day after the {score} win over {team2}, {team} manager {person} told reporters it was [far too early|too soon] to talk about the title.
== generic
K It was the second time this year that {city} made national headlines.
K Local radio in {city} interrupted its regular programming to cover the events.
O Further updates are expected on {day2}.
O More reactions from {city} and {city2} are expected in the coming hours.
U Local newspapers in {city} devoted their front pages to the events of the previous day.
U Residents contacted on {day} described a mixture of relief and frustration.
W said => says
W more than => over
W percent => per cent
"""

_RAW["id"] = """
@days Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu
@month November
@date {wd}, {d} {month} {y}
@sep .,
@male Budi|Agus|Rizky|Hendra|Fajar
@female Siti|Dewi|Putri|Wulan|Rina
@last Santoso|Wijaya|Pratama|Lestari|Nugroho|Hidayat|Saputra|Kurniawan|Setiawan|Rahmawati
@cities Surabaya|Medan|Makassar|Semarang|Bandung|Palembang|Balikpapan|Manado|Malang|Pontianak
@towns Yogyakarta|Denpasar|Padang|Pekanbaru|Jambi|Bengkulu|Lampung|Samarinda|Banjarmasin|Kupang|Mataram|Ambon|Jayapura|Kendari|Palu|Gorontalo|Cirebon|Tasikmalaya|Solo|Bogor
@teams Persatuan {city}|PS {city}|{city} United|Bhayangkara {city}
@orgs Trans {city}|Kereta Nusantara|Bus Raya {city}|Metro {city}
@score {a}-{b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. Hak cipta dilindungi undang-undang.
@nav Berita|Nasional|Ekonomi|Olahraga|Cuaca|Opini|Gaya Hidup
@ui Beranda|Baca selengkapnya|Berita Terkait|Bagikan artikel ini|Komentar|Oleh|Diterbitkan|Diperbarui|Hak cipta dilindungi.|Daftar buletin pagi kami|Baca juga|Terima semua|Terpopuler
@cookie Kami menggunakan cookie untuk menyesuaikan konten dan iklan serta menganalisis lalu lintas kami. Dengan melanjutkan, Anda menyetujui kebijakan cookie kami.
@talk Semoga cepat pulih.|Tiap tahun begini terus, tidak ada perubahan.|Mantap, beritanya lengkap.|Pemerintah harus segera bertindak!
== storm
L Badai {storm} [melanda|menerjang] {city} sepanjang malam hingga {day}, [menumbangkan|merobohkan] pohon dan tiang listrik serta membuat {n1} rumah tangga tanpa aliran listrik, [kata operator jaringan setempat|menurut operator jaringan listrik daerah].
L [Ribuan|Puluhan ribu] warga {city} [terbangun tanpa listrik|harus memulai hari tanpa listrik] pada hari {day} setelah badai {storm} [menghantam wilayah itu|melanda kawasan tersebut] dengan embusan angin hingga {kmh} km/jam.
B [Petugas pemadam kebakaran|Tim pemadam] [menangani|menerima] {n3} panggilan darurat dalam dua belas jam, [sebagian besar|kebanyakan] karena pohon tumbang dan rumah yang [terendam air|kebanjiran].
B Curah hujan mencapai {mm} milimeter di [sejumlah kawasan|beberapa kelurahan], dan sungai meluap di dekat [pelabuhan lama|dermaga] sehingga dua jalan utama [ditutup|harus ditutup].
B “Ini badai [terburuk|paling parah] yang kami alami dalam lebih dari sepuluh tahun,” kata {person}, [kepala dinas pemadam kebakaran kota|yang memimpin pemadam kebakaran {city}]. “Petugas kami bekerja [sepanjang malam|tanpa henti].”
B Sebanyak {n2} orang mendapat perawatan karena luka ringan, [sebagian besar akibat tertimpa puing|banyak yang terkena dahan atau pecahan kaca], menurut dinas kesehatan setempat.
B Perjalanan kereta antara {city} dan {city2} [dihentikan|terhenti] [hampir sepanjang pagi|selama beberapa jam] sementara petugas [membersihkan rel|menyingkirkan pohon dari jalur].
T Badai {storm} putuskan listrik di {n1} rumah di {city}
T Angin kencang {kmh} km/jam dan banjir landa {city} akibat badai {storm}
F Listrik kembali menyala di sebagian besar rumah, {city} mulai bersih-bersih usai badai {storm}
G Sehari setelah badai {storm} [menerjang|melanda] {city}, petugas telah menyambung kembali listrik ke semua rumah kecuali {n3} rumah tangga, dan pemerintah kota [membuka dana bantuan|menyiapkan bantuan darurat] bagi warga yang rumahnya kebanjiran.
== strike
L Pekerja {org} memulai mogok kerja selama {n2} jam pada hari {day}, [membatalkan|memaksa pembatalan] {n3} perjalanan dan membuat [puluhan ribu penglaju|ribuan penumpang] di {city} [mencari cara lain|kebingungan mencari cara] untuk berangkat kerja.
L Transportasi umum di {city} [lumpuh|nyaris lumpuh total] pada hari {day} setelah [pegawai|sopir dan masinis] {org} mogok kerja dalam [sengketa|perselisihan] soal upah dan jam kerja.
B Serikat pekerja menuntut kenaikan upah sebesar {pay} persen, [dengan alasan|karena menilai] gaji tertinggal dari biaya hidup selama [tiga tahun terakhir|beberapa tahun terakhir].
B [Manajemen|Perusahaan] menawarkan {pay_low} persen dan mengatakan kenaikan lebih tinggi akan memaksa perusahaan [memangkas rute|mengurangi layanan] [tahun depan|mulai awal tahun].
B “Tidak ada yang mengambil keputusan ini dengan mudah, tetapi anggota kami sudah [kehabisan kesabaran|tidak bisa menunggu lagi],” kata {person}, [sekretaris wilayah serikat pekerja|juru runding serikat pekerja di {city}].
B Juru bicara {org}, {person2}, menyebut aksi mogok itu “[berlebihan|tidak perlu]” dan [meminta|mendesak] serikat pekerja kembali ke meja perundingan.
B Jalan-jalan menuju pusat kota [macet parah|padat merayap] pada jam sibuk pagi, dan [beberapa sekolah|sejumlah kepala sekolah] melaporkan [sepertiga murid|banyak murid] datang terlambat.
T Penumpang telantar akibat mogok kerja pegawai {org} di {city}
T Mogok di {org} lumpuhkan kereta dan bus di seluruh {city}
F Perundingan di {org} dilanjutkan, {city} bersiap hadapi hari kedua mogok
G Perunding dari {org} dan serikat pekerja kembali bertemu pada hari {day} setelah aksi mogok yang [mengganggu perjalanan di seluruh|melumpuhkan] {city}, dan kedua pihak mengatakan kompromi [sudah di depan mata|segera tercapai].
== budget
L DPRD {city} mengesahkan anggaran sebesar Rp {money} miliar untuk tahun depan pada hari {day}, setelah [debat|rapat paripurna] yang berlangsung hingga larut malam.
L Setelah lebih dari enam jam [perdebatan|adu argumen], anggota dewan {city} pada hari {day} menyetujui rencana belanja Rp {money} miliar yang mencakup [dana baru|tambahan dana] untuk sekolah, perumahan, dan transportasi umum.
B Rencana itu disetujui dengan {votes_for} suara berbanding {votes_against}, sementara fraksi oposisi [mengkritik|menyerang] proyeksi pendapatan yang mereka sebut “tidak realistis”.
B Wali Kota {person} mengatakan anggaran itu akan “melindungi layanan yang diandalkan warga setiap hari” [tanpa menaikkan pajak daerah|tanpa kenaikan pajak daerah].
B Pos [terbesar|paling besar] adalah perpanjangan jalur bus rapid transit ke [kawasan utara kota|wilayah utara], yang [diperkirakan menelan biaya|dianggarkan sebesar] Rp {n2} miliar selama empat tahun.
B Pemimpin oposisi {person2} menilai pemerintah kota bergantung pada penjualan lahan untuk [menyeimbangkan anggaran|menutup kekurangan] [dan memperingatkan akan ada pemotongan|alih-alih mengatasi defisit].
B [Sekitar|Kurang lebih] {n3} warga menghadiri rapat tersebut, dan beberapa di antaranya membentangkan spanduk yang [menuntut|meminta] perumahan terjangkau.
T DPRD {city} sahkan anggaran Rp {money} miliar usai debat panas
T {city} sahkan anggaran dengan dana untuk sekolah dan jalur bus baru
F Perselisihan soal anggaran {city} memanas, {person2} minta audit
G [Perselisihan|Polemik] mengenai anggaran Rp {money} miliar yang disahkan DPRD {city} pekan ini [memanas|makin tajam] pada hari {day}, ketika pemimpin oposisi {person2} meminta badan pemeriksa keuangan meninjau angka-angkanya.
== football
L {team} mengalahkan {team2} {score} pada {day} malam, dengan {person2} mencetak gol kemenangan pada menit ke-{minute} di hadapan [{n1} penonton|{n1} suporter].
L Gol {person2} menjelang akhir laga memberi {team} kemenangan {score} atas {team2} pada hari {day} dan mengangkat mereka ke peringkat [ketiga|keempat] klasemen.
B Tim tamu tampil lebih baik pada babak pertama dan [dua kali membentur tiang gawang|dua kali mengenai mistar] sebelum turun minum, [sementara {team} kesulitan menciptakan peluang|dan {team} beruntung masih imbang].
B Pelatih {team} {person} melakukan dua pergantian pada babak kedua, dan perubahan ke formasi tiga bek [mengubah jalannya pertandingan|membalikkan keadaan].
B “Para pemain menunjukkan [karakter yang luar biasa|semangat besar] malam ini. Kami tidak bermain terbaik, tetapi kami [terus percaya|tidak pernah menyerah],” kata {person} [seusai laga|kepada wartawan].
B {team2} mengakhiri pertandingan dengan sepuluh pemain setelah kapten mereka diusir wasit [karena kartu kuning kedua|usai pelanggaran keras terhadap {person2}].
B Ini adalah kemenangan ke-{wins} {team} dari {games} laga musim ini [dan yang keempat berturut-turut di kandang|dan mereka belum terkalahkan di kandang sejak Agustus].
T {team} kalahkan {team2} {score} lewat gol telat {person2}
T Gol menit akhir {person2} bawa {team} tundukkan {team2}
F Pelatih {team} {person} redam pembicaraan soal gelar usai menang atas {team2}
G Sehari setelah kemenangan {score} atas {team2}, pelatih {team} {person} mengatakan kepada wartawan bahwa [masih terlalu dini|belum waktunya] untuk membicarakan gelar juara.
== generic
K Ini adalah kali kedua tahun ini {city} menjadi sorotan nasional.
K Radio lokal di {city} menghentikan siaran rutinnya untuk meliput peristiwa tersebut.
O Perkembangan selanjutnya diperkirakan akan diumumkan pada hari {day2}.
O Tanggapan lebih lanjut dari {city} dan {city2} diperkirakan muncul dalam beberapa jam ke depan.
U Surat kabar lokal di {city} menjadikan peristiwa hari sebelumnya sebagai berita utama.
U Warga yang dihubungi pada hari {day} mengungkapkan perasaan lega bercampur kecewa.
W kata => ujar
W sebagian besar => kebanyakan
"""

_RAW["de"] = """
@days Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag
@month November
@date {wd}, {d}. {month} {y}
@sep .,
@male Lukas|Felix|Jonas|Matthias|Stefan
@female Anna|Julia|Katharina|Sabine|Lea
@last Becker|Hoffmann|Schulte|Krüger|Wagner|Neumann|Brandt|Lorenz|Vogel|Hartmann
@cities Köln|Leipzig|Bremen|Dortmund|Mainz|Kassel|Rostock|Augsburg|Freiburg|Münster
@towns Hannover|Nürnberg|Dresden|Erfurt|Magdeburg|Kiel|Lübeck|Bielefeld|Bonn|Karlsruhe|Mannheim|Heidelberg|Würzburg|Regensburg|Ulm|Trier|Saarbrücken|Osnabrück|Oldenburg|Potsdam
@teams Eintracht {city}|Sportfreunde {city}|Viktoria {city}|Fortuna {city}
@orgs Verkehrsbetriebe {city}|Nordbahn|MetroBus {city}|RegioTakt
@score {a}:{b}
@dateline {city} ({agency}) {dash}
@copyright © 2026 {agency}. Alle Rechte vorbehalten.
@nav Nachrichten|Politik|Wirtschaft|Sport|Wetter|Meinung|Kultur
@ui Startseite|Weiterlesen|Mehr zum Thema|Artikel teilen|Kommentare|Von|Veröffentlicht|Aktualisiert|Alle Rechte vorbehalten.|Jetzt den Morgen-Newsletter abonnieren|Lesen Sie auch|Alle akzeptieren|Meistgelesen
@cookie Wir verwenden Cookies, um Inhalte und Anzeigen zu personalisieren und die Zugriffe auf unsere Website zu analysieren. Mit der weiteren Nutzung stimmen Sie unserer Cookie-Richtlinie zu.
@talk Alles Gute an die Betroffenen.|Jedes Jahr dasselbe, gelernt hat niemand etwas.|Fährt die Linie 7 morgen wieder?|Danke für den ausführlichen Bericht.
== storm
L Sturm „{storm}“ ist in der Nacht zum {day} über {city} [hinweggezogen|hinweggefegt], hat Bäume und Stromleitungen [umgeknickt|zu Fall gebracht] und {n1} Haushalte ohne Strom zurückgelassen, [wie der örtliche Netzbetreiber mitteilte|teilte der regionale Netzbetreiber mit].
L [Tausende Menschen|Zehntausende Bewohner] in {city} sind am {day} ohne Strom aufgewacht, nachdem Sturm „{storm}“ die Region mit Böen von bis zu {kmh} Kilometern pro Stunde [getroffen|heimgesucht] hatte.
B Die Feuerwehr rückte innerhalb von zwölf Stunden zu {n3} Einsätzen aus, [meist|größtenteils] wegen umgestürzter Bäume und [vollgelaufener Keller|überfluteter Keller].
B In [Teilen der Stadt|einigen Stadtteilen] fielen bis zu {mm} Liter Regen pro Quadratmeter, am [alten Hafen|Jachthafen] trat der Fluss über die Ufer, zwei [Hauptstraßen|Durchgangsstraßen] mussten gesperrt werden.
B „So einen [Sturm|heftigen Sturm] haben wir hier seit mehr als zehn Jahren nicht erlebt“, sagte {person} von der [Berufsfeuerwehr|Feuerwehr {city}]. „Unsere Einsatzkräfte waren [die ganze Nacht|rund um die Uhr] im Dienst.“
B {n2} Menschen wurden nach Angaben des [Gesundheitsamts|Rettungsdienstes] leicht verletzt, [die meisten durch umherfliegende Trümmerteile|viele durch herabfallende Äste oder Glassplitter].
B Der Zugverkehr zwischen {city} und {city2} war [den größten Teil des Vormittags|mehrere Stunden lang] eingestellt, während Techniker [die Gleise räumten|umgestürzte Bäume von der Strecke entfernten].
T Sturm „{storm}“: {n1} Haushalte in {city} ohne Strom
T Überflutungen und Böen bis {kmh} km/h – {city} zieht Bilanz nach Sturm „{storm}“
F Aufräumarbeiten in {city}: Strom fließt nach Sturm „{storm}“ wieder in fast allen Haushalten
G Einen Tag nachdem Sturm „{storm}“ über {city} [gefegt war|hinweggezogen war], haben Techniker bis auf {n3} Haushalte alle wieder ans Netz gebracht; die Stadt hat [einen Härtefallfonds|eine Soforthilfe] für Bewohner überfluteter Wohnungen eingerichtet.
== strike
L Die Beschäftigten von {org} haben am {day} einen {n2}-stündigen Warnstreik begonnen; {n3} Fahrten fielen aus, [Zehntausende Pendler|Tausende Fahrgäste] in {city} mussten sich [einen anderen Weg zur Arbeit suchen|anders zur Arbeit durchschlagen].
L Der öffentliche Nahverkehr in {city} ist am {day} [weitgehend zum Erliegen gekommen|nahezu vollständig ausgefallen], weil [die Beschäftigten|Fahrerinnen und Fahrer] von {org} im [Streit|Konflikt] um Löhne und [Arbeitszeiten|Schichtpläne] die Arbeit niederlegten.
B Die Gewerkschaft fordert {pay} Prozent mehr Lohn und [argumentiert|begründet das damit], die Gehälter seien in den [vergangenen drei Jahren|letzten Jahren] hinter den Lebenshaltungskosten zurückgeblieben.
B Die [Geschäftsführung|Unternehmensleitung] hat {pay_low} Prozent angeboten und erklärt, ein höherer Abschluss würde [im kommenden Jahr|ab dem Frühjahr] [Streichungen im Liniennetz|Kürzungen im Fahrplan] erzwingen.
B „Niemand trifft diese Entscheidung leichtfertig, aber unsere Mitglieder haben [keine Geduld mehr|genug]“, sagte {person} von der [Gewerkschaft|Verhandlungskommission der Gewerkschaft].
B {person2} aus der Geschäftsführung von {org} nannte den Ausstand „[unverhältnismäßig|überzogen]“ und forderte die Gewerkschaft auf, [an den Verhandlungstisch zurückzukehren|die Gespräche wieder aufzunehmen].
B Auf den Zufahrtsstraßen in die Innenstadt [staute sich der Verkehr im Berufsverkehr|ging am Morgen kaum etwas voran], [einige Schulen|mehrere Schulleitungen] meldeten, dass [ein Drittel der Schüler zu spät kam|viele Kinder zu spät kamen].
T Streik bei {org}: Pendler in {city} sitzen fest
T Warnstreik legt Busse und Bahnen in {city} lahm
F Neue Gespräche bei {org} – {city} stellt sich auf zweiten Streiktag ein
G Vertreter von {org} und der Gewerkschaft haben sich am {day} [erneut getroffen|wieder an einen Tisch gesetzt], nachdem der Streik den Verkehr in ganz {city} lahmgelegt hatte; beide Seiten sprachen von einer [möglichen Einigung|baldigen Lösung].
== budget
L Der Stadtrat von {city} hat am {day} nach einer [Debatte|hitzigen Sitzung] bis spät in die Nacht einen Haushalt von {money} Millionen Euro für das kommende Jahr beschlossen.
L Nach mehr als sechs Stunden [Debatte|Streit] hat der Rat in {city} am {day} einen Haushalt über {money} Millionen Euro verabschiedet, der [zusätzliches Geld|mehr Mittel] für Schulen, Wohnungsbau und Nahverkehr vorsieht.
B Der Plan wurde mit {votes_for} zu {votes_against} Stimmen angenommen; die Opposition [kritisierte|bemängelte] „unrealistische“ [Einnahmeprognosen|Steuerschätzungen].
B <person:Oberbürgermeister|Oberbürgermeisterin> {person} sagte, der Haushalt sichere „die Leistungen, auf die die Menschen jeden Tag angewiesen sind“, [ohne die Gewerbesteuer zu erhöhen|und das ohne höhere Gewerbesteuer].
B [Größter Einzelposten|Der größte Posten] ist die Verlängerung der Straßenbahn in die [nördlichen Stadtteile|Neubaugebiete im Norden], die über vier Jahre {n2} Millionen Euro kosten soll.
B <person2:Oppositionsführer|Oppositionsführerin> {person2} warf der Stadtspitze vor, den Haushalt mit einmaligen Grundstücksverkäufen [auszugleichen|schönzurechnen], [und warnte vor Kürzungen|statt das Defizit anzugehen].
B [Rund|Etwa] {n3} Bürgerinnen und Bürger verfolgten die Sitzung, einige hielten Transparente für [mehr bezahlbaren Wohnraum|günstigere Mieten] hoch.
T Stadtrat {city} beschließt Haushalt über {money} Millionen Euro
T {city} verabschiedet Haushalt mit Geld für Schulen und neue Straßenbahnlinie
F Streit um Haushalt in {city} spitzt sich zu – {person2} fordert Prüfung
G Der [Streit|Konflikt] um den {money}-Millionen-Haushalt des Stadtrats von {city} hat sich am {day} verschärft: <person2:Oppositionsführer|Oppositionsführerin> {person2} bat den Landesrechnungshof, die Zahlen [zu prüfen|unter die Lupe zu nehmen].
== football
L {team} hat am {day}abend {team2} mit {score} geschlagen; {person2} erzielte nach {minute} Minuten vor [{n1} Zuschauern|{n1} Fans] den Siegtreffer.
L Ein Tor von {person2} in der {minute}. Minute hat {team} am {day} einen {score}-Sieg gegen {team2} beschert und die Mannschaft auf Tabellenplatz [drei|vier] gebracht.
B Die Gäste hatten in der ersten Halbzeit mehr vom Spiel und trafen vor der Pause [zweimal den Pfosten|zweimal nur Aluminium], [während {team} kaum Chancen hatte|und {team} konnte mit dem Unentschieden zufrieden sein].
B <person:Trainer|Trainerin> {person} wechselte zur Pause zweimal, die Umstellung auf eine Dreierkette [gab dem Spiel die Wende|brachte die Wende].
B „Die Mannschaft hat heute [Charakter gezeigt|große Moral bewiesen]. Wir waren nicht in Bestform, aber wir haben [immer daran geglaubt|nie aufgegeben]“, sagte {person} [nach dem Spiel|bei der Pressekonferenz].
B {team2} beendete die Partie in Unterzahl, nachdem der Kapitän [mit Gelb-Rot vom Platz gestellt worden war|nach einem Foul an {person2} Rot gesehen hatte].
B Es war der {wins}. Sieg im {games}. Saisonspiel für {team} [und der vierte Heimsieg in Folge|– zu Hause ist die Mannschaft seit August ungeschlagen].
T {team} schlägt {team2} {score} – später Treffer von {person2}
T {person2} trifft spät: {team} gewinnt gegen {team2}
F {person} bremst nach Sieg gegen {team2} die Titel-Euphorie
G Einen Tag nach dem {score} gegen {team2} hat {team}-<person:Trainer|Trainerin> {person} vor Journalisten gesagt, es sei [viel zu früh|noch zu früh], über die Meisterschaft zu sprechen.
== generic
K Es ist bereits das zweite Mal in diesem Jahr, dass {city} bundesweit Schlagzeilen macht.
K Das Lokalradio in {city} unterbrach sein reguläres Programm, um über die Ereignisse zu berichten.
O Weitere Informationen werden für {day2} erwartet.
O Weitere Reaktionen aus {city} und {city2} werden in den kommenden Stunden erwartet.
U Die Lokalzeitungen in {city} widmeten den Ereignissen des Vortags ihre Titelseiten.
U Anwohner, mit denen am {day} gesprochen wurde, zeigten sich erleichtert, aber auch verärgert.
W sagte => erklärte
W meist => überwiegend
"""

_RAW["fr"] = """
@days lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche
@month novembre
@date {wd} {d} {month} {y}
@sep _,
@male Julien|Thomas|Nicolas|Antoine|Mathieu
@female Camille|Claire|Sophie|Élodie|Manon
@last Martin|Lefèvre|Moreau|Girard|Fontaine|Rousseau|Garnier|Chevalier|Lambert|Mercier
@cities Lyon|Nantes|Bordeaux|Toulouse|Rennes|Grenoble|Montpellier|Lille|Dijon|Brest
@towns Marseille|Strasbourg|Nice|Reims|Angers|Tours|Limoges|Amiens|Metz|Nancy|Besançon|Orléans|Rouen|Caen|Poitiers|Perpignan|Clermont-Ferrand|Avignon|Pau|Annecy
@teams FC {city}|Olympique {city}|Stade {city}|Racing {city}
@orgs Mobilités {city}|Réseau Azur|TransCité {city}|Lignes d’Armor
@score {a}-{b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. Tous droits réservés.
@nav Actualités|Politique|Économie|Sport|Météo|Opinions|Culture
@ui Accueil|Lire la suite|À lire aussi|Partager cet article|Commentaires|Par|Publié le|Mis à jour le|Tous droits réservés.|Inscrivez-vous à notre lettre du matin|Lire aussi|Tout accepter|Les plus lus
@cookie Nous utilisons des cookies pour personnaliser les contenus et les publicités et pour analyser notre trafic. En poursuivant votre navigation, vous acceptez notre politique de cookies.
@talk Courage aux sinistrés.|Chaque année la même chose, rien ne change.|Quelqu’un sait si le tram roule demain ?|Merci pour cet article complet.
== storm
L La tempête {storm} a [balayé|traversé] {city} dans la nuit de {dayp} à {day}, [arrachant|abattant] arbres et lignes électriques et privant {n1} foyers d’électricité, [selon le gestionnaire du réseau local|d’après le gestionnaire régional du réseau].
L [Des milliers d’habitants|Des dizaines de milliers d’habitants] de {city} se sont réveillés sans courant {day} matin après le passage de la tempête {storm}, accompagnée de rafales [atteignant|allant jusqu’à] {kmh} km/h.
B [Les pompiers|Les sapeurs-pompiers] sont intervenus à {n3} reprises en douze heures, [principalement|pour l’essentiel] pour des chutes d’arbres et des [caves inondées|sous-sols inondés].
B Il est tombé jusqu’à {mm} millimètres de pluie [dans certains quartiers|par endroits], et la rivière est sortie de son lit près du [vieux port|port de plaisance], entraînant la fermeture de deux [grands axes|routes principales].
B « C’est la pire tempête que nous ayons connue ici depuis plus de dix ans », a déclaré {person}, <person:chef|cheffe> des sapeurs-pompiers [de la ville|de {city}]. « Nos équipes ont travaillé [toute la nuit|sans relâche]. »
B {n2} personnes ont été soignées pour des blessures légères, [causées pour la plupart par des débris projetés|souvent dues à des chutes de branches ou à des éclats de verre], selon l’agence régionale de santé.
B La circulation des trains entre {city} et {city2} a été interrompue pendant [la majeure partie de la matinée|plusieurs heures], le temps de [dégager les voies|retirer les arbres tombés sur les rails].
T Tempête {storm} : {n1} foyers privés d’électricité à {city}
T Inondations et rafales à {kmh} km/h : {city} fait le bilan après la tempête {storm}
F Nettoyage en cours à {city}, le courant rétabli dans la plupart des foyers après la tempête {storm}
G Au lendemain du passage de la tempête {storm} à {city}, les techniciens ont rebranché tous les foyers sauf {n3}, et la mairie a [ouvert un fonds d’aide|débloqué une aide d’urgence] pour les habitants dont le logement a été inondé.
== strike
L Les salariés de {org} ont entamé {day} une grève de {n2} heures, entraînant la suppression de {n3} services et contraignant [des dizaines de milliers d’usagers|des milliers de voyageurs] de {city} à [trouver d’autres moyens|chercher une solution] pour se rendre au travail.
L Les transports en commun de {city} étaient [quasiment|presque totalement] à l’arrêt {day}, les [agents|conducteurs] de {org} ayant cessé le travail dans un [conflit|bras de fer] sur les salaires et le temps de travail.
B Le syndicat réclame une hausse de salaire de {pay} %, [estimant|jugeant] que les rémunérations ont pris du retard sur le coût de la vie [ces trois dernières années|depuis plusieurs années].
B La direction propose {pay_low} % et affirme qu’une augmentation plus forte l’obligerait à [supprimer des lignes|réduire l’offre] [dès l’an prochain|à partir du printemps].
B « Personne ne prend cette décision à la légère, mais nos adhérents sont [à bout de patience|excédés] », a affirmé {person}, <person:secrétaire régional|secrétaire régionale> du syndicat.
B {person2}, porte-parole de {org}, a jugé le mouvement « [disproportionné|injustifié] » et [appelé|invité] le syndicat à revenir à la table des négociations.
B Les routes menant au centre-ville étaient [très encombrées|saturées] à l’heure de pointe, et [certaines écoles|plusieurs chefs d’établissement] ont signalé [qu’un tiers des élèves|que de nombreux élèves] étaient arrivés en retard.
T Grève chez {org} : les usagers bloqués à {city}
T Trains et bus à l’arrêt à {city} en raison d’une grève chez {org}
F Reprise des discussions chez {org}, {city} se prépare à une deuxième journée de grève
G Les représentants de {org} et du syndicat se sont de nouveau réunis {day} après la grève qui a [perturbé les déplacements dans tout|paralysé] {city}, les deux parties estimant un compromis [à portée de main|proche].
== budget
L Le conseil municipal de {city} a adopté {day} un budget de {money} millions d’euros pour l’an prochain, au terme d’un [débat|débat houleux] qui s’est prolongé tard dans la nuit.
L Après plus de six heures de [débat|discussions], les élus de {city} ont voté {day} un plan de dépenses de {money} millions d’euros qui prévoit des [crédits supplémentaires|moyens nouveaux] pour les écoles, le logement et les transports publics.
B Le texte a été adopté par {votes_for} voix contre {votes_against}, l’opposition [dénonçant|fustigeant] des prévisions de recettes « irréalistes ».
B <person:Le maire|La maire> {person} a assuré que ce budget « protège les services dont les habitants ont besoin chaque jour » [sans hausse des impôts locaux|sans augmenter la fiscalité locale].
B Le [principal poste de dépense|plus gros investissement] est le prolongement du tramway vers les [quartiers nord|nouveaux quartiers du nord], estimé à {n2} millions d’euros sur quatre ans.
B <person2:Le chef|La cheffe> de l’opposition, {person2}, reproche à la majorité de [boucler son budget|équilibrer ses comptes] grâce à des ventes de terrains ponctuelles [et redoute des coupes|au lieu de s’attaquer au déficit].
B [Environ|Près de] {n3} habitants ont assisté à la séance, et plusieurs brandissaient des banderoles réclamant [davantage de logements abordables|des loyers plus accessibles].
T Le conseil municipal de {city} adopte un budget de {money} millions d’euros
T {city} vote son budget, avec des moyens pour les écoles et une nouvelle ligne de tramway
F La polémique sur le budget de {city} s’envenime, {person2} réclame un audit
G La [querelle|polémique] autour du budget de {money} millions d’euros adopté cette semaine par le conseil municipal de {city} s’est envenimée {day}, {person2} ayant saisi la chambre régionale des comptes.
== football
L {team} a battu {team2} {score} {day} soir, grâce à un but de {person2} après {minute} minutes de jeu, devant [{n1} spectateurs|{n1} supporters].
L Un but de {person2} à la {minute}e minute a offert {day} à {team} une victoire {score} face à {team2}, qui lui permet de remonter à la [troisième|quatrième] place du classement.
B Les visiteurs ont dominé la première période et ont touché [deux fois le poteau|deux fois les montants] avant la pause, [tandis que {team} peinait à se créer des occasions|et {team} pouvait s’estimer heureux d’être à égalité].
B <person:L’entraîneur|L’entraîneuse> {person} a effectué deux changements à la mi-temps, et le passage à une défense à trois a [changé le cours du match|renversé la rencontre].
B « Les joueurs ont montré [beaucoup de caractère|un bel état d’esprit] ce soir. Nous n’étions pas à notre meilleur niveau, mais nous y avons [toujours cru|cru jusqu’au bout] », a déclaré {person} [après la rencontre|en conférence de presse].
B {team2} a terminé la rencontre à dix après l’expulsion de son capitaine [pour un second carton jaune|pour une faute sur {person2}].
B Il s’agit de la {wins}e victoire en {games} matches pour {team}, [la quatrième d’affilée à domicile|qui reste invaincu à domicile depuis août].
T {team} bat {team2} {score} grâce à un but tardif de {person2}
T {person2} frappe tard, {team} s’impose face à {team2}
F Après la victoire contre {team2}, {person} refuse de parler de titre
G Au lendemain de la victoire {score} contre {team2}, {person}, <person:entraîneur|entraîneuse> de {team}, a estimé devant la presse [qu’il était bien trop tôt pour parler|qu’il était prématuré de parler] du titre.
== generic
K C’est la deuxième fois cette année que {city} fait la une de l’actualité nationale.
K La radio locale de {city} a interrompu ses programmes habituels pour couvrir les événements.
O De nouvelles informations sont attendues {day2}.
O D’autres réactions à {city} et à {city2} sont attendues dans les prochaines heures.
U Les journaux locaux de {city} ont consacré leur une aux événements de la veille.
U Les habitants interrogés {day} oscillaient entre soulagement et frustration.
W a déclaré => a affirmé
W principalement => surtout
"""

_RAW["es"] = """
@days lunes|martes|miércoles|jueves|viernes|sábado|domingo
@month noviembre
@date {wd}, {d} de {month} de {y}
@sep .,
@male Javier|Carlos|Pablo|Andrés|Miguel
@female Lucía|Marta|Elena|Carmen|Isabel
@last García|Fernández|Romero|Navarro|Castillo|Ortega|Delgado|Morales|Vidal|Herrera
@cities Valencia|Sevilla|Málaga|Zaragoza|Bilbao|Murcia|Valladolid|Córdoba|Granada|Santander
@towns Alicante|Vigo|Gijón|Oviedo|Pamplona|Salamanca|Burgos|León|Cádiz|Almería|Huelva|Jaén|Logroño|Badajoz|Cáceres|Tarragona|Lleida|Girona|Albacete|Toledo
@teams Real {city}|Atlético {city}|CD {city}|Deportivo {city}
@orgs Metro de {city}|Autobuses Levante|Transportes Urbanos de {city}|Ferrocarriles del Norte
@score {a}-{b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. Todos los derechos reservados.
@nav Noticias|Política|Economía|Deportes|Tiempo|Opinión|Cultura
@ui Portada|Leer más|Noticias relacionadas|Compartir este artículo|Comentarios|Por|Publicado|Actualizado|Todos los derechos reservados.|Suscríbete a nuestro boletín matinal|Lee también|Aceptar todo|Lo más leído
@cookie Utilizamos cookies propias y de terceros para personalizar el contenido y los anuncios y para analizar nuestro tráfico. Si continúa navegando, acepta nuestra política de cookies.
@talk Mucho ánimo a los afectados.|Todos los años lo mismo y nadie hace nada.|¿Alguien sabe si mañana funciona el metro?|Gracias por la información.
== storm
L La borrasca {storm} [azotó|barrió] {city} durante la noche del {dayp} al {day}, [derribando|tumbando] árboles y tendidos eléctricos y dejando sin suministro a {n1} hogares, [según la distribuidora eléctrica local|según informó la compañía eléctrica].
L [Miles de vecinos|Decenas de miles de vecinos] de {city} [amanecieron|se despertaron] el {day} sin electricidad después de que la borrasca {storm} [golpeara la zona|azotara la comarca] con rachas de hasta {kmh} km/h.
B Los bomberos atendieron {n3} [avisos|incidencias] en doce horas, [la mayoría|en su mayor parte] por caídas de árboles y [sótanos inundados|garajes anegados].
B En [algunos barrios|varias zonas de la ciudad] se acumularon hasta {mm} litros por metro cuadrado, y el río se desbordó cerca del [puerto viejo|puerto deportivo], lo que obligó a cortar dos [vías principales|avenidas].
B “Es la [peor tormenta|tormenta más violenta] que hemos visto aquí en más de diez años”, afirmó {person}, <person:jefe|jefa> [del cuerpo de bomberos de la ciudad|de los bomberos de {city}]. “Nuestros equipos han trabajado [toda la noche|sin descanso]”.
B {n2} personas fueron atendidas por heridas leves, [causadas en su mayoría por objetos desprendidos|muchas por ramas caídas o cristales rotos], según los servicios sanitarios regionales.
B La circulación de trenes entre {city} y {city2} estuvo suspendida durante [gran parte de la mañana|varias horas] mientras los operarios [despejaban las vías|retiraban árboles caídos].
T La borrasca {storm} deja sin luz a {n1} hogares en {city}
T Inundaciones y rachas de {kmh} km/h: {city} hace balance tras la borrasca {storm}
F {city} limpia los destrozos y recupera la luz en casi todos los hogares tras la borrasca {storm}
G Un día después del paso de la borrasca {storm} por {city}, los técnicos han restablecido el suministro en todos los hogares salvo {n3}, y el ayuntamiento ha [abierto un fondo de ayudas|habilitado ayudas de emergencia] para los vecinos con viviendas inundadas.
== strike
L Los trabajadores de {org} iniciaron el {day} una huelga de {n2} horas que obligó a cancelar {n3} servicios y dejó a [decenas de miles de usuarios|miles de viajeros] de {city} [buscando otra forma|sin alternativa] para llegar al trabajo.
L El transporte público de {city} quedó [prácticamente|casi totalmente] paralizado el {day} después de que [la plantilla de {org} dejara|los conductores de {org} dejaran] de trabajar en un [conflicto|pulso] por los salarios y la jornada.
B El sindicato reclama una subida salarial del {pay} %, [con el argumento de que|al considerar que] los sueldos se han quedado por detrás del coste de la vida en [los últimos tres años|los últimos años].
B La dirección ofrece un {pay_low} % y asegura que una subida mayor la obligaría a [recortar líneas|reducir frecuencias] [el próximo año|a partir de la primavera].
B “Nadie toma esta decisión a la ligera, pero nuestros afiliados [han perdido la paciencia|están hartos]”, dijo {person}, <person:secretario|secretaria> regional del sindicato.
B {person2}, portavoz de {org}, calificó el paro de “[desproporcionado|injustificado]” y [pidió al sindicato que vuelva|instó al sindicato a volver] a la mesa de negociación.
B Los accesos al centro registraron [grandes atascos|retenciones kilométricas] en la hora punta de la mañana, y [algunos colegios|varios directores de colegio] informaron de que [un tercio de los alumnos llegó|muchos alumnos llegaron] tarde.
T Usuarios atrapados por la huelga de la plantilla de {org} en {city}
T Una huelga en {org} paraliza trenes y autobuses en {city}
F Se reanudan las negociaciones en {org} mientras {city} se prepara para una segunda jornada de huelga
G Representantes de {org} y del sindicato volvieron a reunirse el {day} tras la huelga que [alteró los desplazamientos en todo|paralizó] {city}, y ambas partes aseguran que un acuerdo está [cerca|al alcance].
== budget
L El pleno del Ayuntamiento de {city} aprobó el {day} un presupuesto de {money} millones de euros para el próximo año, tras un [debate|debate tenso] que se prolongó hasta bien entrada la noche.
L Después de más de seis horas de [debate|discusión], los concejales de {city} aprobaron el {day} un plan de gasto de {money} millones de euros que incluye [más fondos|nuevas partidas] para colegios, vivienda y transporte público.
B Las cuentas salieron adelante con {votes_for} votos a favor y {votes_against} en contra, y la oposición [criticó|censuró] unas previsiones de ingresos que calificó de “irreales”.
B <person:El alcalde|La alcaldesa>, {person}, afirmó que el presupuesto “protege los servicios de los que la gente depende cada día” [sin subir los impuestos municipales|sin tocar los impuestos municipales].
B La partida [más importante|de mayor peso] es la ampliación del tranvía hacia los [barrios del norte|nuevos barrios del norte], con un coste previsto de {n2} millones de euros en cuatro años.
B <person2:El líder|La líder> de la oposición, {person2}, acusó al gobierno municipal de [cuadrar las cuentas|salvar el ejercicio] con ventas puntuales de suelo [y advirtió de futuros recortes|en lugar de atajar el déficit].
B [Unos|Cerca de] {n3} vecinos asistieron a la sesión, y varios desplegaron pancartas para exigir [más vivienda asequible|alquileres más baratos].
T El pleno de {city} aprueba un presupuesto de {money} millones de euros
T {city} aprueba sus cuentas con fondos para colegios y una nueva línea de tranvía
F Se recrudece la polémica por el presupuesto de {city}: {person2} pide una auditoría
G La [disputa|polémica] por el presupuesto de {money} millones de euros aprobado esta semana en {city} se recrudeció el {day}, cuando {person2} pidió al tribunal de cuentas regional que revise las cifras.
== football
L El {team} venció {score} al {team2} el {day} por la noche, con un gol de {person2} a los {minute} minutos ante [{n1} espectadores|{n1} aficionados].
L Un gol de {person2} en el minuto {minute} dio el {day} al {team} una victoria por {score} ante el {team2} que lo sitúa [tercero|cuarto] en la clasificación.
B El equipo visitante dominó la primera parte y [estrelló dos balones en el poste|tocó dos veces la madera] antes del descanso, [mientras el {team} apenas generaba ocasiones|y el {team} pudo darse por satisfecho con el empate].
B <person:El entrenador|La entrenadora> del {team}, {person}, hizo dos cambios en el descanso, y el paso a una defensa de tres [cambió el rumbo del partido|le dio la vuelta al encuentro].
B “Los jugadores han demostrado [mucho carácter|una gran actitud] esta noche. No estuvimos en nuestro mejor nivel, pero [nunca dejamos de creer|creímos hasta el final]”, dijo {person} [tras el encuentro|en rueda de prensa].
B El {team2} terminó el partido con diez jugadores después de que su capitán [viera la segunda amarilla|fuera expulsado por una entrada a {person2}].
B Es la {wins}.ª victoria en {games} jornadas para el {team}, [la cuarta consecutiva en casa|que sigue invicto en casa desde agosto].
T El {team} gana {score} al {team2} con un gol de {person2} en el tramo final
T {person2} decide al final y el {team} se impone al {team2}
F {person} rebaja la euforia tras la victoria del {team} ante el {team2}
G Un día después del {score} ante el {team2}, {person}, <person:entrenador|entrenadora> del {team}, dijo a los periodistas que es [demasiado pronto|prematuro] para hablar del título.
== generic
K Es la segunda vez este año que {city} ocupa titulares en todo el país.
K La radio local de {city} interrumpió su programación habitual para informar de lo ocurrido.
O Se espera más información el {day2}.
O En las próximas horas se esperan más reacciones desde {city} y {city2}.
U Los periódicos locales de {city} dedicaron sus portadas a lo ocurrido el día anterior.
U Los vecinos consultados el {day} expresaron una mezcla de alivio y frustración.
W afirmó => aseguró
W la mayoría => la mayor parte
"""

_RAW["pt"] = """
@days segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|sábado|domingo
@on na segunda-feira|na terça-feira|na quarta-feira|na quinta-feira|na sexta-feira|no sábado|no domingo
@month novembro
@date {wd}, {d} de {month} de {y}
@sep .,
@male João|Rafael|Lucas|Gustavo|Felipe
@female Ana|Beatriz|Juliana|Fernanda|Camila
@last Silva|Oliveira|Souza|Pereira|Carvalho|Almeida|Ribeiro|Barbosa|Teixeira|Moreira
@cities Curitiba|Recife|Fortaleza|Salvador|Manaus|Goiânia|Belém|Campinas|Florianópolis|Natal
@towns Porto Alegre|Londrina|Maringá|Joinville|Vitória|Uberlândia|Teresina|Maceió|Aracaju|João Pessoa|Cuiabá|Campo Grande|Santos|Sorocaba|Ribeirão Preto|Juiz de Fora|Niterói|Macapá|Palmas|Porto Velho
@teams {city} FC|Sport Club {city}|Atlético {city}|Esporte Clube {city}
@orgs Metrô de {city}|Consórcio Horizonte|Sistema de Trens de {city}|Expresso Sul
@score {a} a {b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. Todos os direitos reservados.
@nav Notícias|Política|Economia|Esportes|Tempo|Opinião|Cultura
@ui Início|Leia mais|Veja também|Compartilhe esta matéria|Comentários|Por|Publicado em|Atualizado em|Todos os direitos reservados.|Assine nossa newsletter da manhã|Leia também|Aceitar todos|Mais lidas
@cookie Usamos cookies para personalizar conteúdos e anúncios e para analisar nosso tráfego. Ao continuar navegando, você concorda com a nossa política de cookies.
@talk Força a todos os atingidos.|Todo ano a mesma coisa e nada muda.|Alguém sabe se o metrô funciona amanhã?|Parabéns pela matéria.
== storm
L A tempestade {storm} [atingiu|castigou] {city} durante a madrugada, [derrubando|arrancando] árvores e fiação elétrica e deixando {n1} imóveis sem energia {onday}, [segundo a distribuidora local|de acordo com a concessionária de energia].
L [Milhares de moradores|Dezenas de milhares de moradores] de {city} [acordaram|amanheceram] sem luz {onday} depois que a tempestade {storm} [atingiu a região|passou pela região] com rajadas de até {kmh} km/h.
B Os bombeiros atenderam {n3} [chamados|ocorrências] em doze horas, [a maioria|em grande parte] por queda de árvores e alagamentos em residências.
B Em [alguns bairros|várias regiões da cidade] choveu até {mm} milímetros, e o rio transbordou perto do [porto antigo|cais], obrigando o fechamento de duas [avenidas principais|vias importantes].
B “É a [pior tempestade|tempestade mais forte] que já vimos aqui em mais de dez anos”, disse {person}, comandante do Corpo de Bombeiros [da cidade|de {city}]. “Nossas equipes trabalharam [a noite toda|sem parar].”
B {n2} pessoas receberam atendimento por ferimentos leves, [a maioria causados por destroços|muitos provocados por galhos ou vidros quebrados], de acordo com a secretaria de saúde.
B A circulação de trens entre {city} e {city2} ficou suspensa durante [boa parte da manhã|várias horas] enquanto técnicos [liberavam os trilhos|retiravam árvores da via].
T Tempestade {storm} deixa {n1} imóveis sem energia em {city}
T Alagamentos e rajadas de {kmh} km/h: {city} contabiliza estragos após a tempestade {storm}
F Energia volta à maioria dos imóveis, e {city} inicia limpeza após a tempestade {storm}
G Um dia depois da passagem da tempestade {storm} por {city}, técnicos já religaram a energia de todos os imóveis, exceto {n3}, e a prefeitura [abriu um fundo de auxílio|liberou ajuda emergencial] para moradores com casas alagadas.
== strike
L Os funcionários do {org} iniciaram {onday} uma greve de {n2} horas, cancelando {n3} viagens e deixando [dezenas de milhares de passageiros|milhares de usuários] em {city} [sem alternativa para|em busca de outras formas de] chegar ao trabalho.
L O transporte público de {city} ficou [praticamente|quase totalmente] parado {onday}, após [os funcionários|os motoristas e maquinistas] do {org} cruzarem os braços em uma [disputa|queda de braço] sobre salários e jornada.
B O sindicato pede reajuste de {pay}%, [argumentando|alegando] que os salários ficaram para trás em relação ao custo de vida [nos últimos três anos|nos últimos anos].
B A empresa oferece {pay_low}% e afirma que um aumento maior a obrigaria a [cortar linhas|reduzir a frota] [no ano que vem|a partir do início do ano].
B “Ninguém toma essa decisão de forma leviana, mas nossos filiados [perderam a paciência|chegaram ao limite]”, disse {person}, <person:secretário|secretária> regional do sindicato.
B {person2}, porta-voz do {org}, classificou a paralisação como “[desproporcional|injustificada]” e [pediu|cobrou] que o sindicato volte à mesa de negociação.
B As vias de acesso ao centro tiveram [congestionamentos|engarrafamentos longos] no horário de pico da manhã, e [algumas escolas|vários diretores de escola] relataram que [um terço dos alunos chegou atrasado|muitos alunos chegaram atrasados].
T Greve no {org} deixa passageiros sem transporte em {city}
T Paralisação de funcionários do {org} para ônibus e trens em {city}
F Negociações são retomadas no {org}, e {city} se prepara para segundo dia de greve
G Representantes do {org} e do sindicato voltaram a se reunir {onday} após a greve que [afetou os deslocamentos em toda|paralisou] {city}, e os dois lados dizem que um acordo está [próximo|perto].
== budget
L A Câmara Municipal de {city} aprovou {onday} um orçamento de R$ {money} milhões para o próximo ano, depois de um [debate|debate tenso] que se estendeu até tarde da noite.
L Após mais de seis horas de [debate|discussão], os vereadores de {city} aprovaram {onday} um plano de gastos de R$ {money} milhões que prevê [mais recursos|verba extra] para escolas, moradia e transporte público.
B O texto foi aprovado por {votes_for} votos a {votes_against}, e a oposição [criticou|atacou] previsões de receita que chamou de “irreais”.
B <person:O prefeito|A prefeita> {person} disse que o orçamento vai “proteger os serviços dos quais a população depende todos os dias” [sem aumentar impostos municipais|sem elevar o IPTU].
B O [maior item|principal investimento] é a ampliação do VLT em direção aos [bairros da zona norte|novos bairros do norte], com custo estimado de R$ {n2} milhões em quatro anos.
B <person2:O líder|A líder> da oposição, {person2}, acusou a prefeitura de [fechar as contas|equilibrar o caixa] com vendas pontuais de terrenos [e alertou para cortes futuros|em vez de enfrentar o déficit].
B [Cerca de|Quase] {n3} moradores acompanharam a sessão, e vários levaram faixas pedindo [mais moradia popular|aluguéis mais baratos].
T Câmara de {city} aprova orçamento de R$ {money} milhões
T {city} aprova orçamento com verba para escolas e nova linha de VLT
F Polêmica sobre orçamento de {city} se agrava, e {person2} pede auditoria
G A [disputa|polêmica] sobre o orçamento de R$ {money} milhões aprovado nesta semana pela Câmara de {city} se agravou {onday}, quando {person2} pediu ao tribunal de contas que revise os números.
== football
L O {team} venceu o {team2} por {score} {onday} à noite, com gol de {person2} aos {minute} minutos, diante de [{n1} torcedores|um público de {n1} pessoas].
L Um gol de {person2} aos {minute} minutos deu ao {team} a vitória por {score} sobre o {team2} {onday}, resultado que leva a equipe ao [terceiro|quarto] lugar da tabela.
B O time visitante foi melhor no primeiro tempo e [acertou a trave duas vezes|carimbou a trave duas vezes] antes do intervalo, [enquanto o {team} pouco criava|e o {team} teve sorte de seguir empatado].
B <person:O técnico|A técnica> {person} fez duas alterações no intervalo, e a mudança para uma linha de três zagueiros [mudou o rumo da partida|virou o jogo].
B “Os jogadores mostraram [muita personalidade|muita garra] hoje. Não estivemos no nosso melhor nível, mas [continuamos acreditando|acreditamos até o fim]”, disse {person} [após o jogo|na entrevista coletiva].
B O {team2} terminou a partida com dez jogadores depois que o capitão [recebeu o segundo cartão amarelo|foi expulso por uma falta em {person2}].
B Foi a {wins}ª vitória do {team} em {games} jogos na temporada [e a quarta seguida em casa|— o time segue invicto em casa desde agosto].
T {team} vence {team2} por {score} com gol de {person2} no fim
T {person2} marca no fim, e {team} bate {team2}
F {person} evita falar em título após vitória do {team} sobre o {team2}
G Um dia depois da vitória por {score} sobre o {team2}, {person}, <person:técnico|técnica> do {team}, disse a jornalistas que ainda é [cedo demais|muito cedo] para falar em título.
== generic
K É a segunda vez neste ano que {city} ganha destaque no noticiário nacional.
K A rádio local de {city} interrompeu a programação normal para cobrir os acontecimentos.
O Novas informações são esperadas para {day2}.
O Mais reações de {city} e {city2} são esperadas nas próximas horas.
U Os jornais locais de {city} dedicaram suas capas aos acontecimentos do dia anterior.
U Moradores ouvidos {onday} demonstraram uma mistura de alívio e frustração.
W disse => afirmou
W a maioria => grande parte
"""

_RAW["it"] = """
@days lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica
@month novembre
@date {wd} {d} {month} {y}
@sep .,
@male Marco|Luca|Giovanni|Alessandro|Davide
@female Giulia|Francesca|Chiara|Elena|Sara
@last Rossi|Bianchi|Ferrari|Esposito|Romano|Colombo|Ricci|Marino|Greco|Conti
@cities Torino|Bologna|Genova|Verona|Padova|Bari|Trieste|Parma|Perugia|Brescia
@towns Firenze|Napoli|Palermo|Catania|Messina|Cagliari|Modena|Reggio Emilia|Livorno|Rimini|Ancona|Pescara|Lecce|Taranto|Salerno|Bergamo|Vicenza|Treviso|Udine|Trento
@teams {city} Calcio|Virtus {city}|Sporting {city}|Real {city}
@orgs Trasporti {city}|Ferrovie del Nord-Est|Azienda Mobilità {city}|Linee Adriatiche
@score {a}-{b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. Tutti i diritti riservati.
@nav Notizie|Politica|Economia|Sport|Meteo|Opinioni|Cultura
@ui Home|Leggi tutto|Articoli correlati|Condividi l’articolo|Commenti|Di|Pubblicato il|Aggiornato il|Tutti i diritti riservati.|Iscriviti alla newsletter del mattino|Leggi anche|Accetta tutti|Più letti
@cookie Utilizziamo cookie per personalizzare contenuti e annunci e per analizzare il nostro traffico. Proseguendo la navigazione accetti la nostra informativa sui cookie.
@talk Forza a tutti i colpiti.|Ogni anno la stessa storia, non cambia mai niente.|Qualcuno sa se domani passa il tram?|Grazie per l’aggiornamento.
== storm
L La tempesta {storm} si è abbattuta su {city} nella notte tra {dayp} e {day}, [sradicando alberi|abbattendo alberi] e [danneggiando linee elettriche|tranciando cavi elettrici] e lasciando senza corrente {n1} famiglie, [secondo il gestore della rete locale|secondo quanto riferito dal distributore di energia].
L [Migliaia di residenti|Decine di migliaia di residenti] di {city} si sono svegliati {day} senza elettricità dopo che la tempesta {storm} ha [colpito|investito] la zona con raffiche fino a {kmh} km/h.
B I vigili del fuoco sono intervenuti {n3} volte in dodici ore, [soprattutto|in gran parte] per alberi caduti e [scantinati allagati|cantine allagate].
B In [alcuni quartieri|diverse zone della città] sono caduti fino a {mm} millimetri di pioggia, e il fiume è esondato vicino al [porto vecchio|porticciolo], costringendo alla chiusura di due [strade principali|arterie].
B «È la tempesta [peggiore|più violenta] che abbiamo visto qui da più di dieci anni», ha dichiarato {person}, comandante dei vigili del fuoco [della città|di {city}]. «Le nostre squadre hanno lavorato [tutta la notte|senza sosta].»
B {n2} persone sono state medicate per ferite lievi, [causate per lo più da detriti|molte colpite da rami o vetri rotti], secondo l’azienda sanitaria locale.
B La circolazione dei treni tra {city} e {city2} è rimasta sospesa per [gran parte della mattinata|diverse ore] mentre i tecnici [liberavano i binari|rimuovevano gli alberi caduti].
T Tempesta {storm}, {n1} famiglie senza corrente a {city}
T Allagamenti e raffiche a {kmh} km/h: {city} fa la conta dei danni dopo la tempesta {storm}
F {city}, torna la corrente in quasi tutte le case: al via la pulizia dopo la tempesta {storm}
G Il giorno dopo il passaggio della tempesta {storm} su {city}, i tecnici hanno riallacciato tutte le utenze tranne {n3}, e il Comune ha [aperto un fondo di sostegno|stanziato aiuti d’emergenza] per i residenti con case allagate.
== strike
L I dipendenti di {org} hanno avviato {day} uno sciopero di {n2} ore, con la cancellazione di {n3} corse e [decine di migliaia di pendolari|migliaia di viaggiatori] di {city} costretti a [cercare altri modi|trovare soluzioni alternative] per raggiungere il lavoro.
L Il trasporto pubblico di {city} si è [praticamente|quasi completamente] fermato {day}, dopo che [il personale di {org} ha incrociato|autisti e macchinisti di {org} hanno incrociato] le braccia in una [vertenza|contesa] su salari e orari di lavoro.
B Il sindacato chiede un aumento salariale del {pay} per cento, [sostenendo|ritenendo] che negli [ultimi tre anni|ultimi anni] gli stipendi sono rimasti indietro rispetto al costo della vita.
B L’azienda offre il {pay_low} per cento e sostiene che un aumento maggiore la costringerebbe a [tagliare delle linee|ridurre le corse] [dal prossimo anno|a partire dalla primavera].
B «Nessuno prende questa decisione alla leggera, ma i nostri iscritti [hanno perso la pazienza|sono esasperati]», ha detto {person}, <person:segretario|segretaria> regionale del sindacato.
B {person2}, portavoce di {org}, ha definito lo sciopero «[sproporzionato|ingiustificato]» e ha [invitato|esortato] il sindacato a tornare al tavolo delle trattative.
B Le strade di accesso al centro sono rimaste [congestionate|paralizzate] nell’ora di punta, e [alcune scuole|diversi presidi] hanno segnalato che [un terzo degli alunni è arrivato|molti alunni sono arrivati] in ritardo.
T Pendolari bloccati a {city} per lo sciopero dei dipendenti di {org}
T Sciopero del personale di {org}: fermi treni e autobus a {city}
F Riprende il confronto tra {org} e sindacato, {city} si prepara al secondo giorno di sciopero
G I rappresentanti di {org} e del sindacato si sono incontrati di nuovo {day} dopo lo sciopero che ha [paralizzato gli spostamenti in tutta|bloccato] {city}, e le due parti dicono che un accordo è [vicino|a portata di mano].
== budget
L Il consiglio comunale di {city} ha approvato {day} un bilancio da {money} milioni di euro per il prossimo anno, al termine di un [dibattito|confronto acceso] proseguito fino a notte fonda.
L Dopo oltre sei ore di [discussione|dibattito], i consiglieri di {city} hanno approvato {day} un piano di spesa da {money} milioni di euro che prevede [nuove risorse|fondi aggiuntivi] per scuole, casa e trasporto pubblico.
B Il documento è passato con {votes_for} voti a favore e {votes_against} contrari, mentre l’opposizione ha [criticato|contestato] previsioni di entrata definite «irrealistiche».
B <person:Il sindaco|La sindaca> {person} ha affermato che il bilancio «tutela i servizi su cui i cittadini contano ogni giorno» [senza aumentare le tasse locali|senza ritoccare le imposte comunali].
B La voce [principale|più consistente] è il prolungamento del tram verso i [quartieri nord|nuovi quartieri a nord], con un costo stimato di {n2} milioni di euro in quattro anni.
B <person2:Il capogruppo|La capogruppo> dell’opposizione, {person2}, accusa la giunta di [far quadrare i conti|chiudere il bilancio] con vendite una tantum di terreni [e teme tagli futuri|invece di affrontare il disavanzo].
B [Circa|Quasi] {n3} cittadini hanno seguito la seduta, e alcuni hanno esposto striscioni per chiedere [più alloggi a prezzi accessibili|affitti più bassi].
T Il consiglio comunale di {city} approva un bilancio da {money} milioni di euro
T {city} approva il bilancio: fondi per le scuole e una nuova linea del tram
F Si inasprisce la polemica sul bilancio di {city}, {person2} chiede una verifica
G La [disputa|polemica] sul bilancio da {money} milioni di euro approvato questa settimana dal consiglio comunale di {city} si è inasprita {day}, quando {person2} ha chiesto alla Corte dei conti di esaminare i numeri.
== football
L {team} ha battuto {team2} {score} {day} sera, con il gol vittoria di {person2} al {minute}' davanti a [{n1} spettatori|{n1} tifosi].
L Una rete di {person2} al {minute}° minuto ha regalato {day} a {team} la vittoria per {score} contro {team2}, che vale il [terzo|quarto] posto in classifica.
B Gli ospiti hanno fatto meglio nel primo tempo e hanno colpito [due volte il palo|due legni] prima dell’intervallo, [mentre {team} faticava a creare occasioni|e {team} poteva ritenersi fortunato del pareggio].
B <person:L’allenatore|L’allenatrice> {person} ha effettuato due cambi all’intervallo, e il passaggio alla difesa a tre [ha cambiato l’inerzia della partita|ha ribaltato la gara].
B «[La squadra stasera ha mostrato carattere|Stasera abbiamo mostrato grande spirito]. Non eravamo al meglio, ma [abbiamo sempre creduto nella vittoria|ci abbiamo creduto fino alla fine]», ha detto {person} [a fine gara|in conferenza stampa].
B {team2} ha chiuso la partita in dieci per l’espulsione del capitano, [ammonito due volte|reo di un fallo su {person2}].
B È la {wins}ª vittoria in {games} giornate per {team}, [la quarta consecutiva in casa|ancora imbattuto in casa da agosto].
T {team} batte {team2} {score} con un gol nel finale di {person2}
T {person2} decide nel finale, {team} supera {team2}
F {person} frena l’entusiasmo dopo la vittoria di {team} su {team2}
G Il giorno dopo il {score} contro {team2}, {person}, <person:allenatore|allenatrice> di {team}, ha detto ai giornalisti che è [troppo presto|prematuro] per parlare di scudetto.
== generic
K È la seconda volta quest’anno che {city} finisce sulle prime pagine nazionali.
K La radio locale di {city} ha interrotto la normale programmazione per seguire gli eventi.
O Ulteriori aggiornamenti sono attesi per {day2}.
O Nelle prossime ore sono attese altre reazioni da {city} e {city2}.
U I quotidiani locali di {city} hanno dedicato le prime pagine agli eventi del giorno precedente.
U I residenti sentiti {day} hanno espresso un misto di sollievo e frustrazione.
W ha dichiarato => ha affermato
W soprattutto => in particolare
"""

_RAW["nl"] = """
@days maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag
@month november
@date {wd} {d} {month} {y}
@sep .,
@male Daan|Sem|Thijs|Bram|Jeroen
@female Sanne|Lotte|Eva|Anouk|Femke
@last de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|Bos|Vermeulen
@cities Utrecht|Eindhoven|Groningen|Tilburg|Nijmegen|Arnhem|Zwolle|Leiden|Breda|Maastricht
@towns Amersfoort|Apeldoorn|Enschede|Haarlem|Almere|Leeuwarden|Assen|Emmen|Deventer|Zaandam|Delft|Dordrecht|Alkmaar|Helmond|Venlo|Roermond|Middelburg|Hilversum|Gouda|Lelystad
@teams FC {city}|{city} United|SC {city}|Sparta {city}
@orgs Stadsvervoer {city}|Noordlijn|Vervoersbedrijf {city}|Deltabus
@score {a}-{b}
@dateline {CITY} ({agency}) {dash}
@copyright © 2026 {agency}. Alle rechten voorbehouden.
@nav Nieuws|Politiek|Economie|Sport|Weer|Opinie|Cultuur
@ui Home|Lees meer|Meer nieuws|Deel dit artikel|Reacties|Door|Gepubliceerd|Bijgewerkt|Alle rechten voorbehouden.|Meld je aan voor onze ochtendnieuwsbrief|Lees ook|Alles accepteren|Meest gelezen
@cookie Wij gebruiken cookies om inhoud en advertenties te personaliseren en om ons verkeer te analyseren. Door verder te surfen ga je akkoord met ons cookiebeleid.
@talk Sterkte aan iedereen die getroffen is.|Elk jaar hetzelfde verhaal.|Weet iemand of lijn 4 morgen weer rijdt?|Goed stuk, dank.
== storm
L Storm {storm} [trok|raasde] in de nacht van {dayp} op {day} over {city}, waarbij bomen en [stroomkabels|elektriciteitsleidingen] omgingen en {n1} huishoudens zonder stroom kwamen te zitten, [meldt de netbeheerder|aldus de regionale netbeheerder].
L [Duizenden inwoners|Tienduizenden bewoners] van {city} werden {day} zonder stroom wakker nadat storm {storm} de regio had [getroffen|geteisterd] met windstoten tot {kmh} kilometer per uur.
B De brandweer rukte binnen twaalf uur {n3} keer uit, [vooral|voornamelijk] voor omgewaaide bomen en [ondergelopen kelders|volgelopen kelders].
B In [sommige wijken|een aantal buurten] viel tot {mm} millimeter regen, en bij de [oude haven|jachthaven] trad de rivier buiten haar oevers, waardoor twee [hoofdwegen|doorgaande wegen] moesten worden afgesloten.
B ‘Dit is de [zwaarste|heftigste] storm die we hier in meer dan tien jaar hebben meegemaakt’, zei {person}, commandant van de brandweer [in {city}|van de regio]. ‘Onze ploegen hebben [de hele nacht doorgewerkt|non-stop gewerkt].’
B {n2} mensen werden behandeld voor lichte verwondingen, [meestal veroorzaakt door rondvliegend puin|vaak door vallende takken of glasscherven], aldus de GGD.
B Het treinverkeer tussen {city} en {city2} lag [het grootste deel van de ochtend|urenlang] stil terwijl technici [het spoor vrijmaakten|omgewaaide bomen van het spoor haalden].
T Storm {storm} laat {n1} huishoudens in {city} zonder stroom
T Wateroverlast en windstoten tot {kmh} km/u: {city} maakt de balans op na storm {storm}
F Opruimwerk in {city}: stroom na storm {storm} bijna overal terug
G Een dag nadat storm {storm} over {city} raasde, hebben technici alle huishoudens op {n3} na weer aangesloten, en de gemeente heeft [een noodfonds geopend|noodhulp beschikbaar gesteld] voor bewoners van wie het huis onder water liep.
== strike
L Het personeel van {org} is {day} begonnen aan een staking van {n2} uur, waardoor {n3} ritten uitvielen en [tienduizenden forensen|duizenden reizigers] in {city} [een andere manier moesten zoeken|op zoek moesten naar een alternatief] om op hun werk te komen.
L Het openbaar vervoer in {city} lag {day} [vrijwel|nagenoeg] stil nadat [het personeel van {org} het werk had|de chauffeurs van {org} het werk hadden] neergelegd in een [conflict|slepend conflict] over lonen en werktijden.
B De vakbond eist een loonsverhoging van {pay} procent en [stelt|benadrukt] dat de lonen [de afgelopen drie jaar|de laatste jaren] achter zijn gebleven bij de kosten van levensonderhoud.
B De directie biedt {pay_low} procent en zegt dat een hogere verhoging haar zou dwingen [vanaf volgend jaar|vanaf het voorjaar] [lijnen te schrappen|de dienstregeling in te krimpen].
B ‘Niemand neemt deze beslissing lichtvaardig, maar onze leden zijn [hun geduld kwijt|het zat]’, zei {person}, [regiobestuurder|onderhandelaar] van de vakbond.
B {person2}, <person2:woordvoerder|woordvoerster> van {org}, noemde de staking ‘[buiten proportie|onnodig]’ en riep de vakbond op [terug te keren naar de onderhandelingstafel|de gesprekken te hervatten].
B Op de invalswegen naar het centrum stond het verkeer in de ochtendspits [vast|muurvast], en [sommige scholen|meerdere schooldirecteuren] meldden dat [een derde van de leerlingen te laat kwam|veel leerlingen te laat kwamen].
T Reizigers gestrand door staking bij {org} in {city}
T Staking bij {org} legt trein- en busverkeer in {city} plat
F Overleg bij {org} hervat, {city} bereidt zich voor op tweede stakingsdag
G Vertegenwoordigers van {org} en de vakbond kwamen {day} opnieuw bijeen na de staking die het reizen in heel {city} [ontregelde|lamlegde]; beide partijen zeggen dat een akkoord [binnen bereik is|in zicht is].
== budget
L De gemeenteraad van {city} heeft {day} na [een debat dat|een vergadering die] tot diep in de nacht duurde een begroting van {money} miljoen euro voor volgend jaar aangenomen.
L Na ruim zes uur [debat|discussie] stemden de raadsleden van {city} {day} in met een bestedingsplan van {money} miljoen euro, met [extra geld|meer middelen] voor scholen, wonen en openbaar vervoer.
B Het plan werd aangenomen met {votes_for} stemmen voor en {votes_against} tegen; de oppositie [sprak van|hekelde] ‘onrealistische’ inkomstenramingen.
B Burgemeester {person} zei dat de begroting ‘de voorzieningen beschermt waar mensen elke dag op rekenen’, [zonder de lokale lasten te verhogen|terwijl de ozb gelijk blijft].
B De [grootste post|belangrijkste investering] is de verlenging van de tram naar de [noordelijke wijken|nieuwbouwwijken in het noorden], die over vier jaar {n2} miljoen euro moet kosten.
B Oppositieleider {person2} verweet het college de begroting [sluitend te maken|rond te rekenen] met eenmalige grondverkopen [en waarschuwde voor bezuinigingen|in plaats van het tekort aan te pakken].
B [Zo’n|Ruim] {n3} inwoners woonden de vergadering bij, en een aantal van hen hield spandoeken omhoog voor [meer betaalbare woningen|lagere huren].
T Gemeenteraad {city} stemt in met begroting van {money} miljoen euro
T {city} neemt begroting aan met geld voor scholen en nieuwe tramlijn
F Ruzie over begroting {city} loopt op, {person2} wil onderzoek
G De [onenigheid|ruzie] over de begroting van {money} miljoen euro die de gemeenteraad van {city} deze week aannam, liep {day} verder op toen oppositieleider {person2} de rekenkamer vroeg de cijfers door te lichten.
== football
L {team} heeft {day}avond met {score} gewonnen van {team2}; {person2} maakte na {minute} minuten de winnende treffer voor [{n1} toeschouwers|{n1} fans].
L Een doelpunt van {person2} in de {minute}e minuut bezorgde {team} {day} een {score}-zege op {team2}, waardoor de ploeg naar de [derde|vierde] plaats klimt.
B De bezoekers waren in de eerste helft sterker en raakten voor rust [twee keer de paal|twee keer het aluminium], [terwijl {team} nauwelijks kansen creëerde|en {team} mocht blij zijn met de gelijke stand].
B Trainer {person} wisselde twee keer in de rust, en de overstap naar een verdediging met drie centrale verdedigers [gaf de wedstrijd een andere wending|bracht de ommekeer].
B ‘De ploeg heeft vanavond [karakter getoond|veerkracht laten zien]. We waren niet op ons best, maar we [bleven geloven|gaven nooit op]’, zei {person} [na afloop|op de persconferentie].
B {team2} eindigde de wedstrijd met tien man nadat de aanvoerder [met twee gele kaarten van het veld werd gestuurd|rood kreeg voor een overtreding op {person2}].
B Het was de {wins}e overwinning in {games} duels voor {team}[ en de vierde thuiszege op rij|, dat thuis sinds augustus ongeslagen is].
T {team} wint met {score} van {team2} dankzij late treffer van {person2}
T {person2} slaat laat toe: {team} te sterk voor {team2}
F Trainer {person} tempert titelkoorts na zege op {team2}
G Een dag na de {score}-overwinning op {team2} zei {team}-trainer {person} tegen verslaggevers dat het [veel te vroeg|nog te vroeg] is om over de titel te praten.
== generic
K Het is de tweede keer dit jaar dat {city} landelijk in het nieuws is.
K De lokale omroep in {city} onderbrak de gewone uitzendingen om verslag te doen van de gebeurtenissen.
O Verdere informatie wordt {day2} verwacht.
O In de komende uren worden meer reacties uit {city} en {city2} verwacht.
U De lokale kranten in {city} wijdden hun voorpagina’s aan de gebeurtenissen van de dag ervoor.
U Bewoners die {day} werden gesproken, reageerden opgelucht maar ook gefrustreerd.
W zei => zegt
W vooral => met name
"""


@dataclass
class Language:
    """One language's parsed material; see the module docstring for the block syntax."""

    code: str
    settings: dict[str, str] = field(default_factory=dict)
    sections: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def items(self, key: str) -> list[str]:
        """A ``|``-separated setting as a list."""
        return self.settings[key].split("|")

    def ui(self, key: str) -> str:
        """One labelled chrome string (``@ui`` is positional, named by ``UI_KEYS``)."""
        return self.items("ui")[UI_KEYS.index(key)]

    def lines(self, section: str, code: str) -> list[str]:
        """The templates of one kind in one section (empty list if none)."""
        return self.sections.get(section, {}).get(code, [])

    @property
    def wording(self) -> list[tuple[str, str]]:
        """The ``W old => new`` substitutions syndicated copies may apply."""
        return [tuple(w.split(" => ", 1)) for w in self.lines("generic", "W")]  # type: ignore[misc]

    def number(self, value: int) -> str:
        """An integer with this language's thousands separator (``_`` stands for U+202F)."""
        sep = self.settings["sep"][0].replace("_", "\u202f")
        return f"{value:,}".replace(",", sep) if value >= 1000 else str(value)


def _parse(code: str, raw: str) -> Language:
    lang = Language(code)
    section: dict[str, list[str]] | None = None
    for line in raw.strip().splitlines():
        if line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            lang.settings[key] = value
        elif line.startswith("== "):
            section = lang.sections.setdefault(line[3:].strip(), {})
        elif line.strip():
            assert section is not None, f"{code}: template outside a section: {line!r}"
            kind, _, text = line.partition(" ")
            section.setdefault(kind, []).append(text)
    return lang


LANGUAGES: dict[str, Language] = {code: _parse(code, raw) for code, raw in _RAW.items()}
"""All languages of the feed, in a fixed order (the generator's draws depend on it)."""
