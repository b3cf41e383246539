"""Write fixtures/real/: small hand-written real-language data in the original release layouts
the registry reads (XNLI and GLUE TSV, SQuAD JSON, XQuAD, PAN-X columns, Tatoeba line pairs,
PAWS-X TSV, plain text lines), for config/real-encoder.yaml and the tests on a real pretrained
encoder.

    python scripts/real_fixtures.py [out_dir]      (default fixtures/real)

Seven languages in five scripts (en, de, es, ru: Latin and Cyrillic; zh: Han; ar: Arabic;
hi: Devanagari). Test sets are translations of one English set, as XNLI, XQuAD and Tatoeba
are; English training and dev data are separate sentences. QA answer offsets are computed from
the context, so each answer is where the release format says it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LANGS = ["en", "de", "es", "ru", "zh", "ar", "hi"]
TATOEBA_CODES = {"de": "deu", "es": "spa", "ru": "rus", "zh": "cmn", "ar": "ara", "hi": "hin"}
NLI = ("entailment", "neutral", "contradiction")

# --- Tatoeba: 30 parallel sentences --------------------------------------------------------
TATOEBA = {
    "en": [
        "I am hungry.",
        "Where is the station?",
        "It is very cold today.",
        "My brother plays football every Sunday.",
        "I do not understand the question.",
        "The book is on the table.",
        "We are going to the sea tomorrow.",
        "She drinks tea without sugar.",
        "How old are you?",
        "The children are playing in the garden.",
        "I have lost my keys.",
        "This restaurant is very expensive.",
        "My father reads the newspaper every morning.",
        "Can you help me, please?",
        "The shop closes at six o'clock.",
        "I like to listen to music.",
        "The dog is sleeping under the bed.",
        "We need more time.",
        "The doctor is not here today.",
        "I am learning to drive.",
        "Her house is next to the river.",
        "The film starts at nine.",
        "Please close the window.",
        "I bought three apples at the market.",
        "My mother works in a hospital.",
        "The road is closed because of the snow.",
        "He writes a letter to his grandmother.",
        "The water is too hot.",
        "I will call you tomorrow evening.",
        "The museum is free on Sundays.",
    ],
    "de": [
        "Ich habe Hunger.",
        "Wo ist der Bahnhof?",
        "Heute ist es sehr kalt.",
        "Mein Bruder spielt jeden Sonntag Fußball.",
        "Ich verstehe die Frage nicht.",
        "Das Buch liegt auf dem Tisch.",
        "Morgen fahren wir ans Meer.",
        "Sie trinkt Tee ohne Zucker.",
        "Wie alt bist du?",
        "Die Kinder spielen im Garten.",
        "Ich habe meine Schlüssel verloren.",
        "Dieses Restaurant ist sehr teuer.",
        "Mein Vater liest jeden Morgen die Zeitung.",
        "Kannst du mir bitte helfen?",
        "Der Laden schließt um sechs Uhr.",
        "Ich höre gern Musik.",
        "Der Hund schläft unter dem Bett.",
        "Wir brauchen mehr Zeit.",
        "Der Arzt ist heute nicht da.",
        "Ich lerne Auto fahren.",
        "Ihr Haus steht neben dem Fluss.",
        "Der Film beginnt um neun.",
        "Bitte mach das Fenster zu.",
        "Ich habe auf dem Markt drei Äpfel gekauft.",
        "Meine Mutter arbeitet in einem Krankenhaus.",
        "Die Straße ist wegen des Schnees gesperrt.",
        "Er schreibt seiner Großmutter einen Brief.",
        "Das Wasser ist zu heiß.",
        "Ich rufe dich morgen Abend an.",
        "Das Museum ist sonntags kostenlos.",
    ],
    "es": [
        "Tengo hambre.",
        "¿Dónde está la estación?",
        "Hoy hace mucho frío.",
        "Mi hermano juega al fútbol todos los domingos.",
        "No entiendo la pregunta.",
        "El libro está sobre la mesa.",
        "Mañana vamos al mar.",
        "Ella toma té sin azúcar.",
        "¿Cuántos años tienes?",
        "Los niños juegan en el jardín.",
        "He perdido mis llaves.",
        "Este restaurante es muy caro.",
        "Mi padre lee el periódico todas las mañanas.",
        "¿Puedes ayudarme, por favor?",
        "La tienda cierra a las seis.",
        "Me gusta escuchar música.",
        "El perro duerme debajo de la cama.",
        "Necesitamos más tiempo.",
        "El médico no está hoy.",
        "Estoy aprendiendo a conducir.",
        "Su casa está junto al río.",
        "La película empieza a las nueve.",
        "Por favor, cierra la ventana.",
        "Compré tres manzanas en el mercado.",
        "Mi madre trabaja en un hospital.",
        "La carretera está cerrada por la nieve.",
        "Él escribe una carta a su abuela.",
        "El agua está demasiado caliente.",
        "Te llamaré mañana por la noche.",
        "El museo es gratis los domingos.",
    ],
    "ru": [
        "Я голоден.",
        "Где вокзал?",
        "Сегодня очень холодно.",
        "Мой брат играет в футбол каждое воскресенье.",
        "Я не понимаю вопрос.",
        "Книга лежит на столе.",
        "Завтра мы едем на море.",
        "Она пьёт чай без сахара.",
        "Сколько тебе лет?",
        "Дети играют в саду.",
        "Я потерял свои ключи.",
        "Этот ресторан очень дорогой.",
        "Мой отец читает газету каждое утро.",
        "Ты можешь мне помочь, пожалуйста?",
        "Магазин закрывается в шесть часов.",
        "Я люблю слушать музыку.",
        "Собака спит под кроватью.",
        "Нам нужно больше времени.",
        "Врача сегодня нет.",
        "Я учусь водить машину.",
        "Её дом стоит рядом с рекой.",
        "Фильм начинается в девять.",
        "Пожалуйста, закрой окно.",
        "Я купил три яблока на рынке.",
        "Моя мама работает в больнице.",
        "Дорога закрыта из-за снега.",
        "Он пишет письмо своей бабушке.",
        "Вода слишком горячая.",
        "Я позвоню тебе завтра вечером.",
        "По воскресеньям музей бесплатный.",
    ],
    "zh": [
        "我饿了。",
        "车站在哪里？",
        "今天很冷。",
        "我哥哥每个星期天踢足球。",
        "我不明白这个问题。",
        "书在桌子上。",
        "我们明天去海边。",
        "她喝茶不加糖。",
        "你多大了？",
        "孩子们在花园里玩。",
        "我把钥匙弄丢了。",
        "这家餐厅很贵。",
        "我父亲每天早上看报纸。",
        "你能帮我一下吗？",
        "商店六点关门。",
        "我喜欢听音乐。",
        "狗在床底下睡觉。",
        "我们需要更多时间。",
        "医生今天不在。",
        "我在学开车。",
        "她的房子在河边。",
        "电影九点开始。",
        "请关上窗户。",
        "我在市场买了三个苹果。",
        "我妈妈在医院工作。",
        "因为下雪，道路封闭了。",
        "他给奶奶写信。",
        "水太烫了。",
        "我明天晚上给你打电话。",
        "博物馆星期天免费。",
    ],
    "ar": [
        "أنا جائع.",
        "أين المحطة؟",
        "الجو بارد جدا اليوم.",
        "يلعب أخي كرة القدم كل يوم أحد.",
        "لا أفهم السؤال.",
        "الكتاب على الطاولة.",
        "سنذهب إلى البحر غدا.",
        "هي تشرب الشاي بدون سكر.",
        "كم عمرك؟",
        "الأطفال يلعبون في الحديقة.",
        "لقد أضعت مفاتيحي.",
        "هذا المطعم غال جدا.",
        "يقرأ أبي الجريدة كل صباح.",
        "هل يمكنك مساعدتي من فضلك؟",
        "يغلق المتجر في الساعة السادسة.",
        "أحب الاستماع إلى الموسيقى.",
        "الكلب نائم تحت السرير.",
        "نحن بحاجة إلى مزيد من الوقت.",
        "الطبيب ليس هنا اليوم.",
        "أنا أتعلم القيادة.",
        "بيتها بجانب النهر.",
        "يبدأ الفيلم في الساعة التاسعة.",
        "من فضلك أغلق النافذة.",
        "اشتريت ثلاث تفاحات من السوق.",
        "تعمل أمي في مستشفى.",
        "الطريق مغلق بسبب الثلج.",
        "يكتب رسالة إلى جدته.",
        "الماء ساخن جدا.",
        "سأتصل بك مساء الغد.",
        "المتحف مجاني يوم الأحد.",
    ],
    "hi": [
        "मुझे भूख लगी है।",
        "स्टेशन कहाँ है?",
        "आज बहुत ठंड है।",
        "मेरा भाई हर रविवार फ़ुटबॉल खेलता है।",
        "मैं सवाल नहीं समझता।",
        "किताब मेज़ पर है।",
        "हम कल समुद्र जा रहे हैं।",
        "वह बिना चीनी की चाय पीती है।",
        "तुम्हारी उम्र क्या है?",
        "बच्चे बगीचे में खेल रहे हैं।",
        "मेरी चाबियाँ खो गई हैं।",
        "यह रेस्टोरेंट बहुत महँगा है।",
        "मेरे पिता हर सुबह अख़बार पढ़ते हैं।",
        "क्या आप मेरी मदद कर सकते हैं?",
        "दुकान छह बजे बंद होती है।",
        "मुझे संगीत सुनना पसंद है।",
        "कुत्ता बिस्तर के नीचे सो रहा है।",
        "हमें और समय चाहिए।",
        "डॉक्टर आज यहाँ नहीं हैं।",
        "मैं गाड़ी चलाना सीख रहा हूँ।",
        "उसका घर नदी के पास है।",
        "फ़िल्म नौ बजे शुरू होती है।",
        "कृपया खिड़की बंद कर दो।",
        "मैंने बाज़ार से तीन सेब ख़रीदे।",
        "मेरी माँ एक अस्पताल में काम करती हैं।",
        "बर्फ़ की वजह से सड़क बंद है।",
        "वह अपनी दादी को चिट्ठी लिखता है।",
        "पानी बहुत गरम है।",
        "मैं तुम्हें कल शाम फ़ोन करूँगा।",
        "रविवार को संग्रहालय मुफ़्त है।",
    ],
}

# --- XNLI test: 4 premises x (entailment, neutral, contradiction), translated ---------------
XNLI_TEST = {
    "en": [
        (
            "A man is playing a guitar on the street.",
            "A man is making music.",
            "The man is playing for money.",
            "The man is sleeping at home.",
        ),
        (
            "Two children are eating ice cream in the park.",
            "Children are outside.",
            "The children are brother and sister.",
            "The children are sitting in a classroom.",
        ),
        (
            "The woman bought a new car last week.",
            "The woman owns a car.",
            "The car is red.",
            "The woman has never had a car.",
        ),
        (
            "The museum was closed because of the storm.",
            "The museum was not open.",
            "Many tourists were disappointed.",
            "The museum was full of visitors during the storm.",
        ),
    ],
    "de": [
        (
            "Ein Mann spielt auf der Straße Gitarre.",
            "Ein Mann macht Musik.",
            "Der Mann spielt für Geld.",
            "Der Mann schläft zu Hause.",
        ),
        (
            "Zwei Kinder essen im Park Eis.",
            "Kinder sind draußen.",
            "Die Kinder sind Bruder und Schwester.",
            "Die Kinder sitzen in einem Klassenzimmer.",
        ),
        (
            "Die Frau hat letzte Woche ein neues Auto gekauft.",
            "Die Frau besitzt ein Auto.",
            "Das Auto ist rot.",
            "Die Frau hatte nie ein Auto.",
        ),
        (
            "Das Museum war wegen des Sturms geschlossen.",
            "Das Museum war nicht geöffnet.",
            "Viele Touristen waren enttäuscht.",
            "Während des Sturms war das Museum voller Besucher.",
        ),
    ],
    "es": [
        (
            "Un hombre toca la guitarra en la calle.",
            "Un hombre hace música.",
            "El hombre toca por dinero.",
            "El hombre duerme en casa.",
        ),
        (
            "Dos niños comen helado en el parque.",
            "Hay niños al aire libre.",
            "Los niños son hermanos.",
            "Los niños están sentados en un aula.",
        ),
        (
            "La mujer compró un coche nuevo la semana pasada.",
            "La mujer tiene un coche.",
            "El coche es rojo.",
            "La mujer nunca ha tenido coche.",
        ),
        (
            "El museo estuvo cerrado por la tormenta.",
            "El museo no estaba abierto.",
            "Muchos turistas se decepcionaron.",
            "Durante la tormenta el museo estaba lleno de visitantes.",
        ),
    ],
    "ru": [
        (
            "Мужчина играет на гитаре на улице.",
            "Мужчина играет музыку.",
            "Мужчина играет ради денег.",
            "Мужчина спит дома.",
        ),
        (
            "Двое детей едят мороженое в парке.",
            "Дети находятся на улице.",
            "Дети — брат и сестра.",
            "Дети сидят в классе.",
        ),
        (
            "На прошлой неделе женщина купила новую машину.",
            "У женщины есть машина.",
            "Машина красная.",
            "У женщины никогда не было машины.",
        ),
        (
            "Музей был закрыт из-за шторма.",
            "Музей не работал.",
            "Многие туристы были разочарованы.",
            "Во время шторма музей был полон посетителей.",
        ),
    ],
    "zh": [
        (
            "一个男人在街上弹吉他。",
            "一个男人在演奏音乐。",
            "这个男人弹吉他是为了挣钱。",
            "这个男人在家睡觉。",
        ),
        (
            "两个孩子在公园里吃冰淇淋。",
            "孩子们在户外。",
            "这两个孩子是兄妹。",
            "孩子们坐在教室里。",
        ),
        (
            "这位女士上周买了一辆新车。",
            "这位女士有一辆车。",
            "这辆车是红色的。",
            "这位女士从来没有过车。",
        ),
        (
            "博物馆因为暴风雨关闭了。",
            "博物馆没有开放。",
            "很多游客很失望。",
            "暴风雨期间博物馆里挤满了游客。",
        ),
    ],
    "ar": [
        (
            "رجل يعزف على الغيتار في الشارع.",
            "رجل يعزف الموسيقى.",
            "الرجل يعزف من أجل المال.",
            "الرجل نائم في البيت.",
        ),
        (
            "طفلان يأكلان المثلجات في الحديقة.",
            "الأطفال في الخارج.",
            "الطفلان أخ وأخت.",
            "الأطفال جالسون في الفصل.",
        ),
        (
            "اشترت المرأة سيارة جديدة الأسبوع الماضي.",
            "المرأة تملك سيارة.",
            "السيارة حمراء.",
            "لم تملك المرأة سيارة قط.",
        ),
        (
            "أغلق المتحف بسبب العاصفة.",
            "لم يكن المتحف مفتوحا.",
            "أصيب كثير من السياح بخيبة أمل.",
            "كان المتحف مليئا بالزوار أثناء العاصفة.",
        ),
    ],
    "hi": [
        (
            "एक आदमी सड़क पर गिटार बजा रहा है।",
            "एक आदमी संगीत बजा रहा है।",
            "आदमी पैसों के लिए बजा रहा है।",
            "आदमी घर पर सो रहा है।",
        ),
        ("दो बच्चे पार्क में आइसक्रीम खा रहे हैं।", "बच्चे बाहर हैं।", "बच्चे भाई-बहन हैं।", "बच्चे कक्षा में बैठे हैं।"),
        (
            "महिला ने पिछले हफ़्ते एक नई कार ख़रीदी।",
            "महिला के पास एक कार है।",
            "कार लाल है।",
            "महिला के पास कभी कार नहीं थी।",
        ),
        (
            "तूफ़ान की वजह से संग्रहालय बंद था।",
            "संग्रहालय खुला नहीं था।",
            "बहुत से पर्यटक निराश हुए।",
            "तूफ़ान के दौरान संग्रहालय दर्शकों से भरा था।",
        ),
    ],
}
XNLI_DEV_EN = [
    (
        "A woman is reading a book on the train.",
        "A woman is reading.",
        "The woman is going to work.",
        "The woman is driving a car.",
    ),
    (
        "The team won the match in the last minute.",
        "The team did not lose the match.",
        "The fans celebrated all night.",
        "The team lost by three goals.",
    ),
]
MNLI_TRAIN = [
    (
        "A dog is running across the beach.",
        "An animal is moving.",
        "The dog is chasing a ball.",
        "The dog is asleep in its basket.",
    ),
    (
        "The chef is cutting vegetables in the kitchen.",
        "Someone is preparing food.",
        "The chef is making soup.",
        "The kitchen is empty.",
    ),
    (
        "A group of students is listening to a lecture.",
        "Students are in a class.",
        "The lecture is about history.",
        "The students are playing football.",
    ),
    (
        "An old man is feeding birds in the square.",
        "A man is giving food to birds.",
        "The man comes to the square every day.",
        "The old man is chasing the birds away.",
    ),
    (
        "The shop sells fresh bread every morning.",
        "Bread is sold in the shop.",
        "The bread is baked by the owner.",
        "The shop never sells bread.",
    ),
    (
        "She is painting a picture of the mountains.",
        "A woman is making a painting.",
        "She is a professional artist.",
        "She is painting the walls of her kitchen.",
    ),
    (
        "The plane landed safely despite the fog.",
        "The plane arrived on the ground.",
        "The passengers were nervous.",
        "The plane crashed in the fog.",
    ),
    (
        "Two friends are drinking coffee at a cafe.",
        "People are having drinks.",
        "The friends meet every week.",
        "The friends are swimming in a lake.",
    ),
    (
        "The river flooded the village after heavy rain.",
        "There was water in the village.",
        "Many houses were destroyed.",
        "It had not rained for months.",
    ),
    (
        "A girl is riding a bicycle to school.",
        "A child is on a bicycle.",
        "The girl is late for school.",
        "The girl is walking to school.",
    ),
]
MNLI_DEV = [
    (
        "A musician is tuning his violin before the concert.",
        "A man is preparing an instrument.",
        "The concert is sold out.",
        "The musician is playing the drums.",
    ),
    (
        "The farmers are harvesting wheat in the field.",
        "Crops are being collected.",
        "The harvest is bigger than last year.",
        "The field is covered with snow.",
    ),
    (
        "A boy is fixing his bicycle in the garage.",
        "Someone is repairing a bicycle.",
        "The bicycle was a gift from his father.",
        "The boy is riding his bicycle in the park.",
    ),
]

# --- PAWS-X: paraphrase (1) and word-swapped non-paraphrase (0) pairs -------------------------
PAWSX_TRAIN = {
    "en": [
        (
            "The film was directed by Maria Lopez and produced by John Smith.",
            "The film was produced by John Smith and directed by Maria Lopez.",
            "The film was directed by John Smith and produced by Maria Lopez.",
        ),
        (
            "The river flows from the mountains to the sea.",
            "The river runs from the mountains down to the sea.",
            "The river flows from the sea to the mountains.",
        ),
        (
            "Anna moved from Berlin to Madrid in 2010.",
            "In 2010, Anna moved to Madrid from Berlin.",
            "Anna moved from Madrid to Berlin in 2010.",
        ),
        (
            "The school is located north of the old bridge.",
            "The school lies to the north of the old bridge.",
            "The old bridge is located north of the school.",
        ),
        (
            "He played for the club before he became its coach.",
            "Before becoming the club's coach, he played for it.",
            "He coached the club before he played for it.",
        ),
        (
            "The museum has more visitors in summer than in winter.",
            "In summer the museum receives more visitors than in winter.",
            "The museum has more visitors in winter than in summer.",
        ),
    ],
    "de": [
        (
            "Der Film wurde von Maria Lopez inszeniert und von John Smith produziert.",
            "Der Film wurde von John Smith produziert und von Maria Lopez inszeniert.",
            "Der Film wurde von John Smith inszeniert und von Maria Lopez produziert.",
        ),
        (
            "Der Fluss fließt von den Bergen ins Meer.",
            "Der Fluss strömt von den Bergen hinunter ins Meer.",
            "Der Fluss fließt vom Meer in die Berge.",
        ),
        (
            "Anna zog 2010 von Berlin nach Madrid.",
            "Im Jahr 2010 zog Anna von Berlin nach Madrid.",
            "Anna zog 2010 von Madrid nach Berlin.",
        ),
        (
            "Die Schule liegt nördlich der alten Brücke.",
            "Die Schule befindet sich im Norden der alten Brücke.",
            "Die alte Brücke liegt nördlich der Schule.",
        ),
        (
            "Er spielte für den Verein, bevor er dessen Trainer wurde.",
            "Bevor er Trainer des Vereins wurde, spielte er für ihn.",
            "Er trainierte den Verein, bevor er für ihn spielte.",
        ),
        (
            "Das Museum hat im Sommer mehr Besucher als im Winter.",
            "Im Sommer kommen mehr Besucher ins Museum als im Winter.",
            "Das Museum hat im Winter mehr Besucher als im Sommer.",
        ),
    ],
    "es": [
        (
            "La película fue dirigida por Maria Lopez y producida por John Smith.",
            "La película fue producida por John Smith y dirigida por Maria Lopez.",
            "La película fue dirigida por John Smith y producida por Maria Lopez.",
        ),
        (
            "El río fluye de las montañas al mar.",
            "El río baja desde las montañas hasta el mar.",
            "El río fluye del mar a las montañas.",
        ),
        (
            "Anna se mudó de Berlín a Madrid en 2010.",
            "En 2010, Anna se trasladó de Berlín a Madrid.",
            "Anna se mudó de Madrid a Berlín en 2010.",
        ),
        (
            "La escuela está al norte del puente viejo.",
            "La escuela se encuentra al norte del viejo puente.",
            "El puente viejo está al norte de la escuela.",
        ),
        (
            "Jugó en el club antes de convertirse en su entrenador.",
            "Antes de ser entrenador del club, jugó en él.",
            "Entrenó al club antes de jugar en él.",
        ),
        (
            "El museo tiene más visitantes en verano que en invierno.",
            "En verano el museo recibe más visitantes que en invierno.",
            "El museo tiene más visitantes en invierno que en verano.",
        ),
    ],
    "zh": [
        (
            "这部电影由玛丽亚·洛佩斯执导，约翰·史密斯制片。",
            "这部电影由约翰·史密斯制片，玛丽亚·洛佩斯执导。",
            "这部电影由约翰·史密斯执导，玛丽亚·洛佩斯制片。",
        ),
        ("这条河从山区流向大海。", "这条河从山上一直流到海里。", "这条河从大海流向山区。"),
        (
            "安娜在2010年从柏林搬到了马德里。",
            "2010年，安娜从柏林迁居马德里。",
            "安娜在2010年从马德里搬到了柏林。",
        ),
        ("学校位于老桥的北边。", "学校坐落在老桥以北。", "老桥位于学校的北边。"),
        (
            "他在成为俱乐部教练之前曾为该俱乐部踢球。",
            "在担任俱乐部教练之前，他是该俱乐部的球员。",
            "他在为俱乐部踢球之前曾担任该俱乐部的教练。",
        ),
        (
            "博物馆夏天的游客比冬天多。",
            "夏天来博物馆的游客比冬天多。",
            "博物馆冬天的游客比夏天多。",
        ),
    ],
}
PAWSX_DEV_EN = [
    (
        "The bank is on the left side of the street.",
        "The bank is on the street's left side.",
        "The street is on the left side of the bank.",
    ),
    (
        "The company was founded in Tokyo and later moved to Osaka.",
        "Founded in Tokyo, the company later moved to Osaka.",
        "The company was founded in Osaka and later moved to Tokyo.",
    ),
    (
        "Peter is older than his sister Laura.",
        "Laura is younger than her brother Peter.",
        "Laura is older than her brother Peter.",
    ),
]

# --- QA: SQuAD-style English train/dev, XQuAD-style translated test ------------------------
SQUAD_TRAIN = [
    (
        "Marie Curie",
        "Marie Curie was a physicist and chemist who was born in Warsaw in 1867. She moved to Paris to study at the Sorbonne, where she met Pierre Curie. In 1903 she shared the Nobel Prize in Physics, and in 1911 she received the Nobel Prize in Chemistry for her work on radium and polonium.",
        [
            ("Where was Marie Curie born?", "Warsaw"),
            ("In which year was Marie Curie born?", "1867"),
            ("Where did she study in Paris?", "the Sorbonne"),
            ("Whom did she meet at the Sorbonne?", "Pierre Curie"),
            (
                "For which elements did she receive the Nobel Prize in Chemistry?",
                "radium and polonium",
            ),
        ],
    ),
    (
        "Amazon rainforest",
        "The Amazon rainforest covers much of northern Brazil and parts of eight other countries. It is home to about ten percent of all known species. The Amazon River, which runs through the forest, carries more water than any other river in the world. Large areas of the forest have been cleared for cattle farming and soy plantations.",
        [
            ("Which country holds much of the Amazon rainforest?", "Brazil"),
            ("What share of known species lives in the Amazon rainforest?", "about ten percent"),
            ("Which river runs through the forest?", "The Amazon River"),
            ("What does the Amazon River carry more of than any other river?", "water"),
            (
                "Why have large areas of the forest been cleared?",
                "for cattle farming and soy plantations",
            ),
        ],
    ),
    (
        "Olympic Games",
        "The first modern Olympic Games were held in Athens in 1896. Athletes from fourteen nations took part in forty-three events. The Games were organised by the International Olympic Committee, which had been founded two years earlier by Pierre de Coubertin. Since then the Summer Games have taken place every four years, except during the two world wars.",
        [
            ("Where were the first modern Olympic Games held?", "Athens"),
            ("When were the first modern Olympic Games held?", "1896"),
            ("How many nations took part in the first Games?", "fourteen"),
            ("Who founded the International Olympic Committee?", "Pierre de Coubertin"),
            ("How often do the Summer Games take place?", "every four years"),
        ],
    ),
    (
        "Kilimanjaro",
        "Mount Kilimanjaro is the highest mountain in Africa, rising 5,895 metres above sea level. It lies in northern Tanzania, close to the border with Kenya. The mountain is a dormant volcano with three volcanic cones. Every year thousands of climbers try to reach its summit, Uhuru Peak.",
        [
            ("What is the highest mountain in Africa?", "Mount Kilimanjaro"),
            ("How high is Mount Kilimanjaro?", "5,895 metres"),
            ("In which country does Kilimanjaro lie?", "Tanzania"),
            ("What is the name of its summit?", "Uhuru Peak"),
        ],
    ),
]
SQUAD_DEV = [
    (
        "Great Wall of China",
        "The Great Wall of China was built over many centuries to protect Chinese states from invasions from the north. Its best-known sections were built during the Ming dynasty. The wall stretches for thousands of kilometres across mountains, deserts and grasslands, and it is now one of the most visited tourist sites in the world.",
        [
            (
                "Why was the Great Wall of China built?",
                "to protect Chinese states from invasions from the north",
            ),
            ("During which dynasty were the best-known sections built?", "the Ming dynasty"),
            (
                "Across what kinds of land does the wall stretch?",
                "mountains, deserts and grasslands",
            ),
            ("What is the wall now?", "one of the most visited tourist sites in the world"),
        ],
    ),
]
XQUAD = {
    "en": (
        "The Rhine is one of the major rivers of Europe. It begins in the Swiss Alps and flows for about 1,230 kilometres before it reaches the North Sea in the Netherlands. Cities such as Basel, Cologne and Rotterdam lie on its banks. For centuries, the river has been an important route for trade, and today large ships carry coal, grain and containers along it.",
        [
            ("Where does the Rhine begin?", "the Swiss Alps"),
            ("How long is the Rhine?", "about 1,230 kilometres"),
            ("Into which sea does the Rhine flow?", "the North Sea"),
            ("Which city in the Netherlands lies on the Rhine?", "Rotterdam"),
            ("What do large ships carry on the river today?", "coal, grain and containers"),
        ],
    ),
    "de": (
        "Der Rhein ist einer der großen Flüsse Europas. Er entspringt in den Schweizer Alpen und fließt etwa 1.230 Kilometer weit, bevor er in den Niederlanden die Nordsee erreicht. Städte wie Basel, Köln und Rotterdam liegen an seinen Ufern. Seit Jahrhunderten ist der Fluss ein wichtiger Handelsweg, und heute transportieren große Schiffe Kohle, Getreide und Container auf ihm.",
        [
            ("Wo entspringt der Rhein?", "den Schweizer Alpen"),
            ("Wie lang ist der Rhein?", "etwa 1.230 Kilometer"),
            ("In welches Meer fließt der Rhein?", "die Nordsee"),
            ("Welche Stadt in den Niederlanden liegt am Rhein?", "Rotterdam"),
            (
                "Was transportieren große Schiffe heute auf dem Fluss?",
                "Kohle, Getreide und Container",
            ),
        ],
    ),
    "es": (
        "El Rin es uno de los grandes ríos de Europa. Nace en los Alpes suizos y recorre unos 1.230 kilómetros antes de llegar al mar del Norte en los Países Bajos. Ciudades como Basilea, Colonia y Róterdam se encuentran a sus orillas. Durante siglos, el río ha sido una importante ruta comercial, y hoy grandes barcos transportan carbón, cereales y contenedores por él.",
        [
            ("¿Dónde nace el Rin?", "los Alpes suizos"),
            ("¿Cuánto mide el Rin?", "unos 1.230 kilómetros"),
            ("¿A qué mar llega el Rin?", "mar del Norte"),
            ("¿Qué ciudad de los Países Bajos está a orillas del Rin?", "Róterdam"),
            (
                "¿Qué transportan hoy los grandes barcos por el río?",
                "carbón, cereales y contenedores",
            ),
        ],
    ),
    "ru": (
        "Рейн — одна из крупнейших рек Европы. Он берёт начало в Швейцарских Альпах и течёт около 1230 километров, прежде чем впадает в Северное море в Нидерландах. На его берегах стоят такие города, как Базель, Кёльн и Роттердам. Веками река была важным торговым путём, и сегодня по ней большие суда перевозят уголь, зерно и контейнеры.",
        [
            ("Где берёт начало Рейн?", "в Швейцарских Альпах"),
            ("Какова длина Рейна?", "около 1230 километров"),
            ("В какое море впадает Рейн?", "Северное море"),
            ("Какой город в Нидерландах стоит на Рейне?", "Роттердам"),
            ("Что сегодня перевозят по реке большие суда?", "уголь, зерно и контейнеры"),
        ],
    ),
    "zh": (
        "莱茵河是欧洲的主要河流之一。它发源于瑞士阿尔卑斯山，流经约1230公里后，在荷兰注入北海。巴塞尔、科隆和鹿特丹等城市都位于它的岸边。几个世纪以来，这条河一直是重要的贸易通道，如今大型船只在河上运输煤炭、粮食和集装箱。",
        [
            ("莱茵河发源于哪里？", "瑞士阿尔卑斯山"),
            ("莱茵河有多长？", "约1230公里"),
            ("莱茵河注入哪个海？", "北海"),
            ("荷兰的哪座城市位于莱茵河畔？", "鹿特丹"),
            ("如今大型船只在河上运输什么？", "煤炭、粮食和集装箱"),
        ],
    ),
    "ar": (
        "نهر الراين من أكبر أنهار أوروبا. ينبع من جبال الألب السويسرية ويجري نحو 1230 كيلومترا قبل أن يصب في بحر الشمال في هولندا. تقع على ضفافه مدن مثل بازل وكولونيا وروتردام. كان النهر لقرون طريقا مهما للتجارة، واليوم تنقل عليه السفن الكبيرة الفحم والحبوب والحاويات.",
        [
            ("أين ينبع نهر الراين؟", "جبال الألب السويسرية"),
            ("كم يبلغ طول نهر الراين؟", "نحو 1230 كيلومترا"),
            ("في أي بحر يصب نهر الراين؟", "بحر الشمال"),
            ("أي مدينة في هولندا تقع على نهر الراين؟", "روتردام"),
            ("ماذا تنقل السفن الكبيرة على النهر اليوم؟", "الفحم والحبوب والحاويات"),
        ],
    ),
    "hi": (
        "राइन यूरोप की प्रमुख नदियों में से एक है। यह स्विस आल्प्स से निकलती है और नीदरलैंड में उत्तरी सागर तक पहुँचने से पहले लगभग 1230 किलोमीटर बहती है। बासेल, कोलोन और रॉटरडैम जैसे शहर इसके किनारों पर बसे हैं। सदियों से यह नदी व्यापार का एक महत्वपूर्ण मार्ग रही है, और आज बड़े जहाज़ इस पर कोयला, अनाज और कंटेनर ढोते हैं।",
        [
            ("राइन नदी कहाँ से निकलती है?", "स्विस आल्प्स"),
            ("राइन नदी कितनी लंबी है?", "लगभग 1230 किलोमीटर"),
            ("राइन नदी किस सागर तक पहुँचती है?", "उत्तरी सागर"),
            ("नीदरलैंड का कौन सा शहर राइन के किनारे है?", "रॉटरडैम"),
            ("आज बड़े जहाज़ नदी पर क्या ढोते हैं?", "कोयला, अनाज और कंटेनर"),
        ],
    ),
}

# --- PAN-X (WikiANN) named entities: "token/TAG" sentences -----------------------------------
PANX_TRAIN_EN = [
    "Angela/B-PER Merkel/I-PER visited/O Paris/B-LOC in/O May/O ./O",
    "The/O United/B-ORG Nations/I-ORG met/O in/O New/B-LOC York/I-LOC ./O",
    "Lionel/B-PER Messi/I-PER plays/O for/O Inter/B-ORG Miami/I-ORG ./O",
    "Google/B-ORG opened/O an/O office/O in/O Berlin/B-LOC ./O",
    "Barack/B-PER Obama/I-PER was/O born/O in/O Hawaii/B-LOC ./O",
    "The/O Amazon/B-LOC flows/O through/O Brazil/B-LOC ./O",
    "Toyota/B-ORG builds/O cars/O in/O Japan/B-LOC ./O",
    "Marie/B-PER Curie/I-PER worked/O at/O the/O Sorbonne/B-ORG ./O",
    "Madrid/B-LOC is/O the/O capital/O of/O Spain/B-LOC ./O",
    "Microsoft/B-ORG was/O founded/O by/O Bill/B-PER Gates/I-PER ./O",
    "The/O Red/B-ORG Cross/I-ORG helped/O people/O in/O Haiti/B-LOC ./O",
    "Serena/B-PER Williams/I-PER won/O in/O London/B-LOC ./O",
    "The/O Nile/B-LOC is/O the/O longest/O river/O in/O Africa/B-LOC ./O",
    "Nelson/B-PER Mandela/I-PER was/O president/O of/O South/B-LOC Africa/I-LOC ./O",
    "Siemens/B-ORG has/O a/O factory/O near/O Munich/B-LOC ./O",
    "Pablo/B-PER Picasso/I-PER lived/O in/O Barcelona/B-LOC and/O Paris/B-LOC ./O",
    "The/O World/B-ORG Health/I-ORG Organization/I-ORG is/O based/O in/O Geneva/B-LOC ./O",
    "Albert/B-PER Einstein/I-PER taught/O at/O Princeton/B-ORG University/I-ORG ./O",
    "Tokyo/B-LOC is/O larger/O than/O Osaka/B-LOC ./O",
    "Real/B-ORG Madrid/I-ORG signed/O Kylian/B-PER Mbappé/I-PER ./O",
]
PANX_DEV_EN = [
    "Frida/B-PER Kahlo/I-PER was/O born/O in/O Mexico/B-LOC ./O",
    "Airbus/B-ORG builds/O planes/O in/O Toulouse/B-LOC ./O",
    "The/O European/B-ORG Union/I-ORG has/O its/O seat/O in/O Brussels/B-LOC ./O",
    "Roger/B-PER Federer/I-PER lives/O in/O Switzerland/B-LOC ./O",
    "Ikea/B-ORG was/O founded/O in/O Sweden/B-LOC ./O",
    "Mahatma/B-PER Gandhi/I-PER was/O born/O in/O Porbandar/B-LOC ./O",
]
PANX_TEST = {
    "en": [
        "Angela/B-PER Merkel/I-PER was/O born/O in/O Hamburg/B-LOC ./O",
        "Volkswagen/B-ORG is/O based/O in/O Wolfsburg/B-LOC ./O",
        "Leo/B-PER Tolstoy/I-PER lived/O in/O Moscow/B-LOC ./O",
        "The/O United/B-ORG Nations/I-ORG has/O an/O office/O in/O Vienna/B-LOC ./O",
        "Shakira/B-PER sang/O in/O Madrid/B-LOC ./O",
        "Samsung/B-ORG opened/O a/O factory/O in/O India/B-LOC ./O",
    ],
    "de": [
        "Angela/B-PER Merkel/I-PER wurde/O in/O Hamburg/B-LOC geboren/O ./O",
        "Volkswagen/B-ORG hat/O seinen/O Sitz/O in/O Wolfsburg/B-LOC ./O",
        "Leo/B-PER Tolstoi/I-PER lebte/O in/O Moskau/B-LOC ./O",
        "Die/O Vereinten/B-ORG Nationen/I-ORG haben/O ein/O Büro/O in/O Wien/B-LOC ./O",
        "Shakira/B-PER sang/O in/O Madrid/B-LOC ./O",
        "Samsung/B-ORG eröffnete/O eine/O Fabrik/O in/O Indien/B-LOC ./O",
    ],
    "es": [
        "Angela/B-PER Merkel/I-PER nació/O en/O Hamburgo/B-LOC ./O",
        "Volkswagen/B-ORG tiene/O su/O sede/O en/O Wolfsburgo/B-LOC ./O",
        "León/B-PER Tolstói/I-PER vivió/O en/O Moscú/B-LOC ./O",
        "Las/O Naciones/B-ORG Unidas/I-ORG tienen/O una/O oficina/O en/O Viena/B-LOC ./O",
        "Shakira/B-PER cantó/O en/O Madrid/B-LOC ./O",
        "Samsung/B-ORG abrió/O una/O fábrica/O en/O la/O India/B-LOC ./O",
    ],
    "ru": [
        "Ангела/B-PER Меркель/I-PER родилась/O в/O Гамбурге/B-LOC ./O",
        "Фольксваген/B-ORG базируется/O в/O Вольфсбурге/B-LOC ./O",
        "Лев/B-PER Толстой/I-PER жил/O в/O Москве/B-LOC ./O",
        "У/O Организации/B-ORG Объединённых/I-ORG Наций/I-ORG есть/O офис/O в/O Вене/B-LOC ./O",
        "Шакира/B-PER пела/O в/O Мадриде/B-LOC ./O",
        "Samsung/B-ORG открыла/O завод/O в/O Индии/B-LOC ./O",
    ],
    "zh": [
        "安格拉·默克尔/B-PER 出生/O 在/O 汉堡/B-LOC 。/O",
        "大众汽车/B-ORG 总部/O 位于/O 沃尔夫斯堡/B-LOC 。/O",
        "列夫/B-PER 托尔斯泰/I-PER 住/O 在/O 莫斯科/B-LOC 。/O",
        "联合国/B-ORG 在/O 维也纳/B-LOC 设有/O 办事处/O 。/O",
        "夏奇拉/B-PER 在/O 马德里/B-LOC 演唱/O 。/O",
        "三星/B-ORG 在/O 印度/B-LOC 开设/O 了/O 一家/O 工厂/O 。/O",
    ],
    "ar": [
        "ولدت/O أنغيلا/B-PER ميركل/I-PER في/O هامبورغ/B-LOC ./O",
        "يقع/O مقر/O فولكسفاغن/B-ORG في/O فولفسبورغ/B-LOC ./O",
        "عاش/O ليو/B-PER تولستوي/I-PER في/O موسكو/B-LOC ./O",
        "لدى/O الأمم/B-ORG المتحدة/I-ORG مكتب/O في/O فيينا/B-LOC ./O",
        "غنت/O شاكيرا/B-PER في/O مدريد/B-LOC ./O",
        "افتتحت/O سامسونغ/B-ORG مصنعا/O في/O الهند/B-LOC ./O",
    ],
    "hi": [
        "अंगेला/B-PER मर्केल/I-PER का/O जन्म/O हैम्बर्ग/B-LOC में/O हुआ/O था/O ।/O",
        "फ़ोक्सवागन/B-ORG का/O मुख्यालय/O वोल्फ़्सबर्ग/B-LOC में/O है/O ।/O",
        "लियो/B-PER टॉलस्टॉय/I-PER मॉस्को/B-LOC में/O रहते/O थे/O ।/O",
        "संयुक्त/B-ORG राष्ट्र/I-ORG का/O वियना/B-LOC में/O एक/O कार्यालय/O है/O ।/O",
        "शकीरा/B-PER ने/O मैड्रिड/B-LOC में/O गाना/O गाया/O ।/O",
        "सैमसंग/B-ORG ने/O भारत/B-LOC में/O एक/O कारख़ाना/O खोला/O ।/O",
    ],
}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _tsv(header: list[str], rows: list[list[str]]) -> str:
    for row in rows:
        assert not any("\t" in cell or "\n" in cell for cell in row), row
    return "".join("\t".join(r) + "\n" for r in [header, *rows])


def nli_rows(premises, prefix: str) -> list[tuple[str, str, str, str]]:
    """(id, premise, hypothesis, label) for each premise and its three hypotheses."""
    return [
        (f"{prefix}{i}-{label[0]}", premise, hypothesis, label)
        for i, (premise, *hypotheses) in enumerate(premises)
        for hypothesis, label in zip(hypotheses, NLI, strict=True)
    ]


def squad_json(articles, prefix: str) -> dict:
    data = []
    for a, (title, context, questions) in enumerate(articles):
        qas = []
        for q, (question, answer) in enumerate(questions):
            start = context.find(answer)
            assert start >= 0 and context.count(answer) == 1, (title, answer)
            qas.append(
                {
                    "id": f"{prefix}{a}-{q}",
                    "question": question,
                    "answers": [{"text": answer, "answer_start": start}],
                }
            )
        data.append({"title": title, "paragraphs": [{"context": context, "qas": qas}]})
    return {"version": "1.1", "data": data}


def pawsx_rows(triples, prefix: str) -> list[list[str]]:
    rows = []
    for i, (sentence, paraphrase, swapped) in enumerate(triples):
        rows.append([f"{prefix}{2 * i}", sentence, paraphrase, "1"])
        rows.append([f"{prefix}{2 * i + 1}", sentence, swapped, "0"])
    return rows


def panx_file(lang: str, sentences: list[str]) -> str:
    blocks = []
    for sentence in sentences:
        lines = []
        for item in sentence.split(" "):
            token, tag = item.rsplit("/", 1)
            lines.append(f"{lang}:{token}\t{tag}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write_all(out: Path) -> None:
    for table in (TATOEBA, XNLI_TEST, XQUAD, PANX_TEST):
        assert sorted(table) == sorted(LANGS if table is not TATOEBA else LANGS), table.keys()
    n = len(TATOEBA["en"])
    assert all(len(v) == n for v in TATOEBA.values())
    # XNLI: one TSV for every language, dev in English (model selection) .
    header = ["language", "gold_label", "sentence1", "sentence2", "pairID"]
    test = [
        [lang, label, p, h, f"{lang}-{pid}"]
        for lang in LANGS
        for pid, p, h, label in nli_rows(XNLI_TEST[lang], "t")
    ]
    dev = [["en", label, p, h, f"en-{pid}"] for pid, p, h, label in nli_rows(XNLI_DEV_EN, "d")]
    _write(out / "xnli/XNLI-1.0/xnli.test.tsv", _tsv(header, test))
    _write(out / "xnli/XNLI-1.0/xnli.dev.tsv", _tsv(header, dev))
    # MNLI (GLUE layout).
    header = ["pairID", "sentence1", "sentence2", "gold_label"]
    for name, premises in (("train.tsv", MNLI_TRAIN), ("dev_matched.tsv", MNLI_DEV)):
        rows = [[pid, p, h, label] for pid, p, h, label in nli_rows(premises, name[0])]
        _write(out / "glue/MNLI" / name, _tsv(header, rows))
    # PAWS-X x-final layout.
    header = ["id", "sentence1", "sentence2", "label"]
    for lang, triples in PAWSX_TRAIN.items():
        name = "train.tsv" if lang == "en" else "translated_train.tsv"
        _write(out / f"paws-x/x-final/{lang}/{name}", _tsv(header, pawsx_rows(triples, "")))
    _write(out / "paws-x/x-final/en/dev_2k.tsv", _tsv(header, pawsx_rows(PAWSX_DEV_EN, "d")))
    # SQuAD v1.1 and XQuAD.
    for name, articles in (("train-v1.1.json", SQUAD_TRAIN), ("dev-v1.1.json", SQUAD_DEV)):
        _write(
            out / "squad" / name,
            json.dumps(squad_json(articles, name[0]), ensure_ascii=False, indent=1),
        )
    for lang, (context, questions) in XQUAD.items():
        doc = squad_json([("Rhine", context, questions)], "xq")  # same ids in every language
        _write(out / f"xquad/xquad.{lang}.json", json.dumps(doc, ensure_ascii=False, indent=1))
    # PAN-X (XTREME's panx_dataset layout).
    _write(out / "panx_dataset/en/train", panx_file("en", PANX_TRAIN_EN))
    _write(out / "panx_dataset/en/dev", panx_file("en", PANX_DEV_EN))
    for lang, sentences in PANX_TEST.items():
        _write(out / f"panx_dataset/{lang}/test", panx_file(lang, sentences))
    # Unlabelled text for continued MLM (the wiki-text dataset's `lines` layout).
    for lang in LANGS:
        lines = TATOEBA[lang] + [s for row in XNLI_TEST[lang] for s in row] + [XQUAD[lang][0]]
        _write(out / f"text/{lang}.txt", "\n".join(lines) + "\n")
    # Tatoeba (LASER's v1 layout).
    for lang, code in TATOEBA_CODES.items():
        _write(out / f"tatoeba/tatoeba.{code}-eng.{code}", "\n".join(TATOEBA[lang]) + "\n")
        _write(out / f"tatoeba/tatoeba.{code}-eng.eng", "\n".join(TATOEBA["en"]) + "\n")


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures/real"))
