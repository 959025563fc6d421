#!/usr/bin/env python3
"""Generator for gtrain's shipped synthetic Korean medical span-NER sample (ko-medical).

Python 3 standard library only, deterministic (random.Random(42)); re-running reproduces every
output file byte for byte. All vocabulary and templates below were written for this project;
no third-party corpus is used. Outputs are written next to this script:

  train.jsonl (1200), dev.jsonl (150), test.jsonl (150)   GLiNER2 JSONL
  offsets/test.jsonl                                      test split with code-point offsets
  raw.txt                                                 every labelled text + 2000 extra
                                                          unlabelled sentences (tokenizer corpus)
  README.md                                               description and statistics

Usage: python3 data/ko-medical/generate.py
"""

import json
import os
import random
import re

SEED = 42
N_TRAIN, N_DEV, N_TEST, N_EXTRA = 1200, 150, 150, 2000
MIN_LEN, MAX_LEN = 15, 120

LABELS = ["Disease", "Drug", "Procedure", "Biomarker"]
DESCRIPTIONS = {
    "Disease": "질병 또는 진단명 (disease or diagnosis)",
    "Drug": "약물 또는 약제 성분명 (drug or medication)",
    "Procedure": "검사, 시술 또는 수술 (medical test, procedure or surgery)",
    "Biomarker": "수치로 측정하는 검사 항목 또는 생체표지자 (biomarker or laboratory value)",
}

# ----------------------------------------------------------------------------------------------
# Lexicons
# ----------------------------------------------------------------------------------------------

DISEASES = [
    "당뇨병", "제2형 당뇨병", "제1형 당뇨병", "당뇨병성 신증", "고혈압", "폐렴",
    "지역사회획득 폐렴", "만성 신부전", "급성 신손상", "심방세동", "급성 심근경색", "협심증",
    "심부전", "위식도 역류질환", "위궤양", "십이지장궤양", "만성 폐쇄성 폐질환", "천식",
    "뇌경색", "뇌출혈", "이상지질혈증", "갑상선기능저하증", "갑상선기능항진증",
    "류마티스 관절염", "골관절염", "골다공증", "간경변증", "만성 B형 간염", "비알코올성 지방간",
    "대장암", "위암", "폐암", "유방암", "요로감염", "패혈증", "철결핍성 빈혈", "통풍",
    "파킨슨병", "알츠하이머병", "우울증", "심부정맥혈전증", "폐색전증", "급성 췌장염", "대상포진",
]

DRUGS = [
    "메트포르민", "인슐린", "인슐린 글라진", "아스피린", "와파린", "아목시실린",
    "로수바스타틴", "아토르바스타틴", "클로피도그렐", "암로디핀", "로사르탄", "발사르탄",
    "푸로세미드", "스피로놀락톤", "비소프롤롤", "카르베딜롤", "리바록사반", "아픽사반",
    "다파글리플로진", "엠파글리플로진", "시타글립틴", "글리메피리드", "판토프라졸",
    "에소메프라졸", "레보티록신", "프레드니솔론", "메토트렉세이트", "알렌드로네이트",
    "세프트리악손", "레보플록사신", "반코마이신", "아세트아미노펜", "이부프로펜", "트라마돌",
    "헤파린", "에녹사파린", "니트로글리세린", "알로퓨리놀", "레보도파", "도네페질",
    "에스시탈로프람", "살부타몰", "아시클로버",
]

PROCEDURES = [
    "위내시경", "대장내시경", "관상동맥 우회술", "경피적 관상동맥 중재술", "관상동맥 조영술",
    "혈액투석", "복막투석", "복부 CT", "흉부 CT", "흉부 X선 촬영", "뇌 MRI", "심장초음파",
    "복부 초음파", "경동맥 초음파", "심전도", "24시간 홀터 심전도", "골밀도 검사",
    "기관지내시경", "폐기능 검사", "복강경 담낭절제술", "충수절제술", "인공슬관절 치환술",
    "척추 유합술", "전기적 심율동전환", "카테터 절제술", "갑상선 세침흡인 검사", "유방 촬영술",
    "중심정맥관 삽입", "요추 천자", "간 생검", "수혈",
]

# (name, unit, low, high, decimals)
BIOMARKERS = [
    ("HbA1c", "%", 5.2, 11.5, 1),
    ("공복혈당", "mg/dL", 85, 290, 0),
    ("식후 2시간 혈당", "mg/dL", 110, 380, 0),
    ("크레아티닌", "mg/dL", 0.6, 6.5, 1),
    ("eGFR", "mL/min/1.73m²", 8, 115, 0),
    ("CRP", "mg/L", 0.3, 180, 1),
    ("LDL 콜레스테롤", "mg/dL", 55, 220, 0),
    ("HDL 콜레스테롤", "mg/dL", 25, 85, 0),
    ("총콜레스테롤", "mg/dL", 120, 310, 0),
    ("중성지방", "mg/dL", 60, 520, 0),
    ("트로포닌 I", "ng/mL", 0.01, 15, 2),
    ("BNP", "pg/mL", 15, 2400, 0),
    ("NT-proBNP", "pg/mL", 50, 9000, 0),
    ("ALT", "U/L", 8, 320, 0),
    ("AST", "U/L", 10, 290, 0),
    ("알부민", "g/dL", 2.1, 5.0, 1),
    ("헤모글로빈", "g/dL", 6.5, 16.8, 1),
    ("백혈구 수", "×10³/μL", 2.1, 24.0, 1),
    ("혈소판 수", "×10³/μL", 45, 480, 0),
    ("칼륨", "mEq/L", 2.8, 6.4, 1),
    ("나트륨", "mEq/L", 122, 150, 0),
    ("젖산", "mmol/L", 0.6, 8.5, 1),
    ("프로칼시토닌", "ng/mL", 0.03, 25, 2),
    ("D-이량체", "μg/mL", 0.2, 12, 1),
    ("PSA", "ng/mL", 0.4, 35, 1),
    ("TSH", "μIU/mL", 0.05, 25, 2),
    ("INR", "", 0.9, 4.5, 1),
    ("요산", "mg/dL", 3.0, 12.5, 1),
    ("총빌리루빈", "mg/dL", 0.3, 8.0, 1),
    ("페리틴", "ng/mL", 8, 900, 0),
    ("BUN", "mg/dL", 7, 110, 0),
    ("ESR", "mm/hr", 2, 110, 0),
]
BIOMARKER_INFO = {b[0]: b for b in BIOMARKERS}

LEXICON = {
    "Disease": DISEASES,
    "Drug": DRUGS,
    "Procedure": PROCEDURES,
    "Biomarker": [b[0] for b in BIOMARKERS],
}
SLOT_LABEL = {"Dis": "Disease", "Drug": "Drug", "Proc": "Procedure", "Bio": "Biomarker"}

# How a unit is read aloud; the last syllable of the reading decides the particle.
UNIT_READING = {
    "%": "퍼센트",
    "mg/dL": "밀리그램 퍼 데시리터",
    "mL/min/1.73m²": "밀리리터 퍼 분 퍼 1.73 제곱미터",
    "mg/L": "밀리그램 퍼 리터",
    "ng/mL": "나노그램 퍼 밀리리터",
    "pg/mL": "피코그램 퍼 밀리리터",
    "U/L": "유닛 퍼 리터",
    "g/dL": "그램 퍼 데시리터",
    "×10³/μL": "천 퍼 마이크로리터",
    "mEq/L": "밀리당량 퍼 리터",
    "mmol/L": "밀리몰 퍼 리터",
    "μg/mL": "마이크로그램 퍼 밀리리터",
    "μIU/mL": "마이크로국제단위 퍼 밀리리터",
    "mm/hr": "밀리미터 퍼 시간",
}

# ----------------------------------------------------------------------------------------------
# Particles (josa)
# ----------------------------------------------------------------------------------------------

# Latin letters read by their Korean letter names; only L(엘), M(엠), N(엔), R(알) end in a
# consonant (L and R in ㄹ).
LETTER_NAME = {
    "a": "에이", "b": "비", "c": "씨", "d": "디", "e": "이", "f": "에프", "g": "지",
    "h": "에이치", "i": "아이", "j": "제이", "k": "케이", "l": "엘", "m": "엠", "n": "엔",
    "o": "오", "p": "피", "q": "큐", "r": "알", "s": "에스", "t": "티", "u": "유", "v": "브이",
    "w": "더블유", "x": "엑스", "y": "와이", "z": "제트",
}
DIGIT_NAME = "영일이삼사오육칠팔구"
# trailing zeros of an integer: 10 십, 100 백, 1000 천, 10000 만
ZEROS_NAME = {1: "십", 2: "백", 3: "천", 4: "만"}


def final_syllable(s):
    """The Hangul syllable whose final consonant decides the particle after s."""
    s = s.rstrip()
    last = s[-1]
    if "\uac00" <= last <= "\ud7a3":
        return last
    if last.lower() in LETTER_NAME:
        return LETTER_NAME[last.lower()][-1]
    if last.isdigit():
        m = re.search(r"(\d+)(\.\d+)?$", s)
        if m and not m.group(2) and m.group(1) != "0":
            z = len(m.group(1)) - len(m.group(1).rstrip("0"))
            if z:
                return ZEROS_NAME[min(z, 4)]
        return DIGIT_NAME[int(last)]
    raise ValueError("no particle rule for text ending in %r" % last)


def jong(syl):
    return (ord(syl) - 0xAC00) % 28  # 0: no final consonant; 8: ㄹ


# key (the form written in templates) -> (after a final consonant, after a vowel)
JOSA = {
    "을": ("을", "를"), "를": ("을", "를"),
    "이": ("이", "가"), "가": ("이", "가"),
    "은": ("은", "는"), "는": ("은", "는"),
    "과": ("과", "와"), "와": ("과", "와"),
    "으로": ("으로", "로"), "로": ("으로", "로"),
    "이었다": ("이었다", "였다"), "였다": ("이었다", "였다"),
    "이며": ("이며", "며"), "이고": ("이고", "고"),
}


def attach(word, key, reading=None):
    """word + particle chosen by 받침 agreement with reading (default: word itself)."""
    with_c, with_v = JOSA[key]
    j = jong(final_syllable(reading if reading is not None else word))
    if j == 0:
        return word + with_v
    if with_c == "으로" and j == 8:  # ㄹ-final takes 로
        return word + "로"
    return word + with_c


# ----------------------------------------------------------------------------------------------
# Templates. Slots: {Dis1} {Drug2} {Proc1} {Bio1} entity; {Bio1.v} its value with unit;
# {X:을} slot followed by an agreeing particle; {age} {sex} {days} {dose} {freq} {hour} fillers.
# The same slot used twice repeats the same mention.
# ----------------------------------------------------------------------------------------------

TEMPLATES = [
    "{Bio1:이} {Bio1.v:로} 상승하여 {Drug1:을} 증량하였다.",
    "{Dis1:으로} 진단받고 {Drug1:을} 복용 중인 환자이다.",
    "{Dis1} 병력이 있는 환자로 {Proc1:을} 시행하였다.",
    "{Proc1} 결과 {Dis1:이} 의심되어 {Proc2:을} 추가로 시행하였다.",
    "{Dis1:과} {Dis2:으로} 외래 추적 관찰 중이며 {Drug1:과} {Drug2:을} 복용하고 있다.",
    "입원 당시 {Bio1:은} {Bio1.v}, {Bio2:은} {Bio2.v:이었다}.",
    "{Drug1} 투약 후 {Bio1:이} {Bio1.v:으로} 감소하였다.",
    "{Dis1} 환자에서 {Drug1} 사용 시 {Bio1:을} 주기적으로 확인해야 한다.",
    "금일 {Proc1:을} 시행하였고 특이 소견은 없었다.",
    "{Dis1:이} 악화되어 {Proc1:을} 시작하였다.",
    "{Drug1:은} {Dis1} 환자에서 출혈 위험을 높일 수 있어 주의가 필요하다.",
    "{Bio1} {Bio1.v}, {Bio2} {Bio2.v}, {Bio3} {Bio3.v:으로} 측정되었다.",
    "{Dis1} 의증 하에 {Proc1:과} {Proc2:을} 시행하기로 하였다.",
    "{Drug1} 복용 중 {Dis1:이} 발생하여 {Drug1:을} 중단하고 {Drug2:으로} 변경하였다.",
    "{Dis1}, {Dis2}, {Dis3} 병력이 있는 {age}세 {sex} 환자로 이번 입원 중 {Dis4:이} 새로 진단되었다.",
    "{Proc1} 상 {Dis1:이} 확인되어 {Proc2:을} 의뢰하였다.",
    "{Bio1:이} 정상 범위로 회복되어 {Drug1} 투여를 종료하였다.",
    "{Dis1} 치료를 위해 {Drug1} {dose}mg을 하루 {freq}회 처방하였다.",
    "{Proc1} 후 {Bio1:을} 재검하였다.",
    "추적 {Proc1}에서 이전과 비교하여 변화가 없었다.",
    "{Dis1:은} 잘 조절되고 있어 현재 약물을 유지하기로 하였다.",
    "{Drug1:과} {Drug2:은} 상호작용이 있어 병용 시 {Bio1} 모니터링이 권장된다.",
    "{Bio1} 수치가 {Bio1.v:으로} 높아 {Dis1} 가능성을 고려하였다.",
    "응급실 내원 당시 {Bio1:이} {Bio1.v:으로} 상승되어 있었고 {Proc1:을} 시행한 결과 {Dis1:으로} 진단되었다.",
    "{Dis1:으로} {Proc1:을} 받은 과거력이 있으며 이후 {Drug1:을} 장기간 복용하였다.",
    "{Drug1} 알레르기 병력이 있어 {Drug2:으로} 대체하였다.",
    "{Bio1:과} {Bio2:은} 모두 정상 범위였다.",
    "{Dis1:과} 관련하여 {Proc1:을} 예약하였고 결과에 따라 {Drug1} 투여 여부를 결정할 예정이다.",
    "{Proc1:을} 앞두고 {Drug1:을} {days}일간 중단하도록 교육하였다.",
    "{Dis1}, {Dis2} 소견으로 {Drug1}, {Drug2}, {Drug3:을} 처방하였다.",
    "{Dis1} 환자에서 {Bio1}의 목표치는 {Bio1.v} 미만으로 권고된다.",
    "보호자에게 {Dis1}의 경과와 {Proc1}의 필요성에 대해 설명하였다.",
    "{Drug1} 투여 후에도 {Bio1:이} 지속적으로 높아 {Drug2:을} 추가하였다.",
    "{Proc1}, {Proc2}, {Proc3:을} 순차적으로 시행한 후 {Dis1:으로} 확진하였다.",
    "퇴원 시 {Drug1:과} {Drug2:을} 처방하였고 {days}주 후 외래에서 {Bio1:을} 확인하기로 하였다.",
    "{Dis1:이} 있는 환자는 {Drug1} 사용을 피하는 것이 좋으며 {Drug1} 대신 {Drug2:을} 고려한다.",
    "{Dis1:은} {Dis2:와} 감별이 필요하다.",
    "검사 결과 {Bio1} {Bio1.v:으로} {Dis1} 진단 기준에 부합하였다.",
    "금일 {Drug1:을} 정맥으로 투여하였다.",
    "영상 검사상 {Dis1} 소견은 없었다.",
    "{age}세 {sex} 환자가 {Dis1:과} {Dis2:으로} 치료 중 {days}일 전부터 발생한 호흡곤란을 주소로 내원하였으며, {Proc1:과} {Bio1} 검사 후 {Drug1:을} 투여하였다.",
    "{Dis1:으로} {Drug1:을} 복용하던 중 {Bio1:이} {Bio1.v:으로} 측정되어 {Drug1} 용량을 조절하였다.",
    "{Bio1:은} {Bio1.v:이며} {Bio2:은} {Bio2.v:로} 이전 검사보다 악화되었다.",
    "{Proc1} 전 {Bio1:과} {Bio2:을} 확인하였다.",
    "{Dis1} 환자에게 {Proc1:을} 시행하였으며 시술 중 합병증은 없었다.",
    # no entities (negatives for every label)
    "{age}세 {sex} 환자로 특별한 불편감 없이 안정적으로 지내고 있어 다음 외래에서 경과를 보기로 하였다.",
    "입원 {days}일째 활력징후는 안정적이었고 신체 진찰상 특이 소견은 관찰되지 않았다.",
    "입원 {days}일째 {hour}시경 식사 후 경미한 두통을 호소하였으나 휴식 후 호전되었다.",
    "{age}세 {sex} 환자는 금식 상태로 {hour}시에 병동에 도착하였다.",
    "{age}세 {sex} 환자로 {days}일 전부터 기침과 가래가 있었다고 한다.",
    "보호자와 면담하여 향후 치료 계획에 대해 {hour}시에 다시 설명하기로 하였다.",
]

SLOT_RE = re.compile(r"\{([A-Za-z]+)(\d*)(\.v)?(?::([^}]+))?\}")


def fmt_value(rng, name):
    _, unit, lo, hi, dec = BIOMARKER_INFO[name]
    v = rng.uniform(lo, hi)
    num = "%.*f" % (dec, v)
    text = num + unit
    reading = UNIT_READING[unit] if unit else num
    return text, reading


def fill(rng, template):
    """Render one template. Returns (text, {label: [mentions in first-occurrence order]})."""
    slots = []  # (label, idx) in order of first appearance
    for m in SLOT_RE.finditer(template):
        kind, idx = m.group(1), m.group(2)
        if kind in SLOT_LABEL and (kind, idx) not in slots:
            slots.append((kind, idx))
    chosen = {}
    used = {lab: [] for lab in LABELS}
    for kind, idx in slots:
        lab = SLOT_LABEL[kind]
        pool = [e for e in LEXICON[lab] if e not in used[lab]]
        e = rng.choice(pool)
        used[lab].append(e)
        chosen[(kind, idx)] = e
    values = {}
    fillers = {
        "age": str(rng.randint(19, 92)),
        "sex": rng.choice(["남자", "여자"]),
        "days": str(rng.randint(2, 14)),
        "dose": str(rng.choice([2.5, 5, 10, 20, 25, 40, 50, 100, 250, 500, 1000])).replace(".0", ""),
        "freq": str(rng.randint(1, 3)),
        "hour": str(rng.randint(6, 22)),
    }

    def sub(m):
        kind, idx, isval, josa = m.group(1), m.group(2), m.group(3), m.group(4)
        if kind in SLOT_LABEL:
            e = chosen[(kind, idx)]
            if isval:
                if (kind, idx) not in values:
                    values[(kind, idx)] = fmt_value(rng, e)
                word, reading = values[(kind, idx)]
            else:
                word, reading = e, None
        else:
            word, reading = fillers[kind], None
        return attach(word, josa, reading) if josa else word

    text = SLOT_RE.sub(sub, template)
    ents = {lab: [] for lab in LABELS}
    for (kind, idx), e in chosen.items():
        ents[SLOT_LABEL[kind]].append(e)
    for lab in LABELS:
        ents[lab].sort(key=lambda e: text.index(e))
    return text, ents


def occurrences(text, mention):
    out, pos = [], 0
    while True:
        i = text.find(mention, pos)
        if i < 0:
            return out
        out.append((i, i + len(mention)))
        pos = i + len(mention)


def spans(text, ents):
    """All occurrences of all listed mentions: [(start, end, label)] sorted by start."""
    occ = []
    for lab in LABELS:
        for m in ents[lab]:
            occ.extend((s, e, lab) for s, e in occurrences(text, m))
    occ.sort()
    return occ


def check(text, ents):
    """Return None if the example is clean, else a reason string."""
    if not (MIN_LEN <= len(text) <= MAX_LEN):
        return "length %d" % len(text)
    for lab in LABELS:
        for m in ents[lab]:
            if text.find(m) < 0:
                return "mention %r not in text" % m
    occ = spans(text, ents)
    for a, b in zip(occ, occ[1:]):
        if b[0] < a[1]:
            return "overlapping occurrences %r %r" % (text[a[0]:a[1]], text[b[0]:b[1]])
    # No lexicon term of any label may occur outside a labelled span (no unlabelled entities).
    for lab in LABELS:
        for term in LEXICON[lab]:
            for s, e in occurrences(text, term):
                if not any(o[0] <= s and e <= o[1] for o in occ):
                    return "unlabelled lexicon term %r" % term
    return None


def generate(rng, n, seen):
    out = []
    while len(out) < n:
        t = rng.choice(TEMPLATES)
        text, ents = fill(rng, t)
        if text in seen or check(text, ents) is not None:
            continue
        seen.add(text)
        out.append((text, ents))
    return out


def gliner_line(text, ents):
    return json.dumps({"input": text,
                       "output": {"entities": {lab: ents[lab] for lab in LABELS},
                                  "entity_descriptions": dict(DESCRIPTIONS)}},
                      ensure_ascii=False)


def offsets_line(text, ents):
    return json.dumps({"text": text,
                       "entities": [{"start": s, "end": e, "label": lab}
                                    for s, e, lab in spans(text, ents)]},
                      ensure_ascii=False)


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


def self_check_templates():
    # Template literal text must not contain lexicon terms, and particles must agree.
    for t in TEMPLATES:
        lit = SLOT_RE.sub("|", t)
        for lab in LABELS:
            for term in LEXICON[lab]:
                assert term not in lit, (t, term)
    for lab in LABELS:
        assert len(set(LEXICON[lab])) == len(LEXICON[lab]), lab
    assert attach("메트포르민", "을") == "메트포르민을"
    assert attach("아스피린", "이") == "아스피린이"
    assert attach("인슐린", "으로") == "인슐린으로"
    assert attach("고혈압", "으로") == "고혈압으로"
    assert attach("클로피도그렐", "으로") == "클로피도그렐로"
    assert attach("HbA1c", "이") == "HbA1c가"
    assert attach("eGFR", "이") == "eGFR이"
    assert attach("eGFR", "으로") == "eGFR로"
    assert attach("위내시경", "과") == "위내시경과"
    assert attach("심장초음파", "과") == "심장초음파와"
    assert attach("8.2%", "으로", UNIT_READING["%"]) == "8.2%로"
    assert attach("2.0", "으로") == "2.0으로"
    assert attach("1.7", "으로") == "1.7로"
    assert attach("120", "이었다") == "120이었다"


def stats(examples):
    n = len(examples)
    per = {lab: [0, 0] for lab in LABELS}  # occurrences, examples with >= 1
    for text, ents in examples:
        for lab in LABELS:
            k = sum(len(occurrences(text, m)) for m in ents[lab])
            per[lab][0] += k
            per[lab][1] += 1 if k else 0
    mean_len = sum(len(t) for t, _ in examples) / n
    no_ent = sum(1 for t, e in examples if not any(e[lab] for lab in LABELS))
    return n, per, mean_len, no_ent


def readme(split_stats, n_raw, texts):
    L = []
    L.append("# ko-medical: gtrain's synthetic Korean medical NER sample")
    L.append("")
    L.append("Small, fully synthetic Korean clinical-sentence dataset for smoke tests, examples and")
    L.append("SentencePiece training. Every word of vocabulary and every template was written for this")
    L.append("project (see `generate.py`); no third-party corpus or patient data is involved. Entity")
    L.append("combinations are random, so sentences are grammatical but not always clinically plausible.")
    L.append("")
    L.append("Regenerate (Python 3, standard library only, seed 42, byte-for-byte reproducible):")
    L.append("")
    L.append("    python3 data/ko-medical/generate.py")
    L.append("")
    L.append("## Files")
    L.append("")
    L.append("| file | content |")
    L.append("|---|---|")
    L.append("| `train.jsonl` | %d examples, GLiNER2 JSONL |" % N_TRAIN)
    L.append("| `dev.jsonl` | %d examples, GLiNER2 JSONL |" % N_DEV)
    L.append("| `test.jsonl` | %d examples, GLiNER2 JSONL |" % N_TEST)
    L.append("| `offsets/test.jsonl` | the test split with code-point offsets |")
    L.append("| `raw.txt` | %d lines: all labelled texts (train, dev, test order) then %d extra unlabelled"
             " generated sentences; for tokenizer training |" % (n_raw, N_EXTRA))
    L.append("")
    L.append("All texts are unique across all files. UTF-8, `\\n` line ends, `ensure_ascii=False`.")
    L.append("")
    L.append("## Format")
    L.append("")
    L.append("GLiNER2 JSONL, one example per line; all four labels are always present (an empty list")
    L.append("is a negative for that label):")
    L.append("")
    L.append("    {\"input\": \"HbA1c가 8.2%로 상승하여 메트포르민을 증량하였다.\",")
    L.append("     \"output\": {\"entities\": {\"Disease\": [], \"Drug\": [\"메트포르민\"], \"Procedure\": [],")
    L.append("                             \"Biomarker\": [\"HbA1c\"]},")
    L.append("                \"entity_descriptions\": {\"Disease\": \"...\", ...}}}")
    L.append("")
    L.append("Mentions appear verbatim; a mention repeated in the text is listed once and every")
    L.append("occurrence is an entity. The generator asserts, for every example, that each mention")
    L.append("occurs at least once, that the occurrences of all listed mentions are pairwise")
    L.append("non-overlapping (e.g. `당뇨병` is never listed together with `제2형 당뇨병`), and that no")
    L.append("lexicon term of any label occurs outside a labelled span. Particles attach directly to")
    L.append("mentions (`메트포르민을`), so a mention's end is not a word boundary.")
    L.append("")
    L.append("`offsets/test.jsonl`: `{\"text\": ..., \"entities\": [{\"start\": s, \"end\": e, \"label\": l}]}`,")
    L.append("offsets in Unicode code points (Python `str` indices), `end` exclusive, one entity per")
    L.append("occurrence, sorted by start.")
    L.append("")
    L.append("## Labels")
    L.append("")
    L.append("| label | description | lexicon size |")
    L.append("|---|---|---|")
    for lab in LABELS:
        L.append("| %s | %s | %d |" % (lab, DESCRIPTIONS[lab], len(LEXICON[lab])))
    L.append("")
    L.append("## Statistics")
    L.append("")
    L.append("Entity occurrences (examples containing the label) per split:")
    L.append("")
    L.append("| split | examples | " + " | ".join(LABELS) + " | no entity | mean length (chars) |")
    L.append("|---|---|" + "---|" * len(LABELS) + "---|---|")
    for name, (n, per, mean_len, no_ent) in split_stats:
        L.append("| %s | %d | " % (name, n)
                 + " | ".join("%d (%d)" % (per[lab][0], per[lab][1]) for lab in LABELS)
                 + " | %d | %.1f |" % (no_ent, mean_len))
    L.append("")
    L.append("Sentence length is limited to %d-%d code points (labelled texts: %d-%d); %d templates"
             " (%d without any entity)."
             % (MIN_LEN, MAX_LEN, min(len(t) for t in texts), max(len(t) for t in texts), len(TEMPLATES),
                sum(1 for t in TEMPLATES if not any(k in SLOT_LABEL for k, *_ in SLOT_RE.findall(t)))))
    L.append("")
    L.append("## Particle (josa) rule")
    L.append("")
    L.append("Pairs 을/를, 이/가, 은/는, 과/와, 으로/로, 이었다/였다, 이며/며, 이고/고 are chosen from the")
    L.append("final consonant (받침) of the last syllable: for a Hangul syllable c, `(ord(c) - 0xAC00) % 28`")
    L.append("is non-zero when it has a 받침; after ㄹ (value 8) 으로 becomes 로. A mention ending in a Latin")
    L.append("letter is read by the letter's Korean name (A 에이, C 씨, I 아이, P 피, T 티, ...), so only")
    L.append("L (엘), M (엠), N (엔) and R (알) count as consonant-final, L and R as ㄹ: `HbA1c가`, `CRP를`,")
    L.append("`eGFR이`, `eGFR로`, `복부 CT를`. A number is read in Sino-Korean (영 일 이 삼 사 오 육 칠 팔 구;")
    L.append("trailing zeros of an integer as 십/백/천/만), and a value with a unit by the unit's reading")
    L.append("(% 퍼센트, mg/dL 밀리그램 퍼 데시리터, mm/hr 밀리미터 퍼 시간, ...): `8.2%로`, `INR 2.0으로`.")
    L.append("")
    L.append("## License")
    L.append("")
    L.append("Part of gtrain; same license as the repository.")
    return "\n".join(L) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    self_check_templates()
    rng = random.Random(SEED)
    seen = set()
    labelled = generate(rng, N_TRAIN + N_DEV + N_TEST, seen)
    # Shuffle before splitting: templates with few distinct renderings (the entity-free ones)
    # run out of unseen texts early, which would otherwise skew them towards train.
    rng.shuffle(labelled)
    extra = generate(rng, N_EXTRA, seen)
    train = labelled[:N_TRAIN]
    dev = labelled[N_TRAIN:N_TRAIN + N_DEV]
    test = labelled[N_TRAIN + N_DEV:]

    # Final self-check over everything written.
    for text, ents in labelled + extra:
        reason = check(text, ents)
        assert reason is None, (text, reason)
        assert "\n" not in text and "\r" not in text
        assert set(ents) == set(LABELS)
    for text, ents in test:
        for s, e, lab in spans(text, ents):
            assert text[s:e] in ents[lab]

    write(os.path.join(here, "train.jsonl"), [gliner_line(t, e) for t, e in train])
    write(os.path.join(here, "dev.jsonl"), [gliner_line(t, e) for t, e in dev])
    write(os.path.join(here, "test.jsonl"), [gliner_line(t, e) for t, e in test])
    os.makedirs(os.path.join(here, "offsets"), exist_ok=True)
    write(os.path.join(here, "offsets", "test.jsonl"), [offsets_line(t, e) for t, e in test])
    raw = [t for t, _ in labelled] + [t for t, _ in extra]
    write(os.path.join(here, "raw.txt"), raw)
    split_stats = [("train", stats(train)), ("dev", stats(dev)), ("test", stats(test))]
    with open(os.path.join(here, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(readme(split_stats, len(raw), [t for t, _ in labelled]))
    for name, (n, per, mean_len, no_ent) in split_stats:
        print("%-5s n=%d mean_len=%.1f no_entity=%d %s" % (
            name, n, mean_len, no_ent,
            " ".join("%s=%d/%d" % (lab, per[lab][0], per[lab][1]) for lab in LABELS)))
    print("raw.txt lines=%d" % len(raw))


if __name__ == "__main__":
    main()
