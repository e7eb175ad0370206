"""The field forms as data: questions, choice lists and labels in English, Azerbaijani, Russian.

``build.py`` writes each form as an XLSForm (survey, choices and settings sheets) for ODK
Central or KoboToolbox; ``submissions.py`` reads the exports of the submissions. Both work
from the definitions here, so the forms, their exports and the import cannot drift apart.

Every question that records something names the model ``field`` it fills in the record kind
of its form (``Form.kind``) or, inside a repeat, of the repeat (``Question.kind``). Choice
lists of controlled fields are the model's vocabularies (``domain.enums``) value for value,
and the ordnance list is the catalogue (``domain.catalogue``) code for code: a vocabulary that
changes without its labels here fails at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from clearground.domain import enums as e
from clearground.domain.catalogue import ORDNANCE

LANGUAGES = ("English (en)", "Azərbaycan (az)", "Русский (ru)")
"""Column suffixes of the translated columns (``label::English (en)``); English is default."""


class L(NamedTuple):
    """One text in the three languages of the forms."""

    en: str
    az: str
    ru: str


@dataclass(frozen=True)
class Question:
    """One row of the survey sheet; a ``group`` or ``repeat`` holds ``children``."""

    type: str
    name: str
    label: L | None = None
    hint: L | None = None
    required: bool = False
    constraint: str | None = None
    constraint_message: L | None = None
    relevant: str | None = None
    default: str | None = None
    appearance: str | None = None
    field: str | None = None
    """The model field (or reference name, e.g. ``location``) the answer fills."""
    kind: str | None = None
    """For a repeat: the record kind of each of its items (``finds``, ``victims``)."""
    children: tuple[Question, ...] = ()

    @property
    def list_name(self) -> str | None:
        """The choice list of a ``select_one``/``select_multiple`` question."""
        parts = self.type.split()
        return parts[1] if len(parts) == 2 and parts[0].startswith("select_") else None

    @property
    def base_type(self) -> str:
        return self.type.split()[0]


@dataclass(frozen=True)
class Leaf:
    """A question that holds a value, with where it stands in the form."""

    path: tuple[str, ...]
    """Names of the groups and repeats above it, then its own name."""
    question: Question
    repeat: Question | None = None
    """The repeat it belongs to, if any (then ``path`` starts with the repeat's path)."""

    @property
    def name(self) -> str:
        return self.question.name

    @property
    def inner_path(self) -> tuple[str, ...]:
        """The path below its repeat (the whole path outside repeats)."""
        if self.repeat is None:
            return self.path
        return self.path[self.path.index(self.repeat.name) + 1 :]


@dataclass(frozen=True)
class Form:
    form_id: str
    title: L
    kind: str
    """The record kind one submission makes."""
    version: str
    instance_name: str
    questions: tuple[Question, ...]
    children: tuple[str, ...] = field(default=())
    """Record kinds made by the repeats, in the order they are written."""

    def leaves(self) -> Iterator[Leaf]:
        """Every question holding a value, depth first, with its path."""

        def walk(
            questions: tuple[Question, ...], path: tuple[str, ...], repeat: Question | None
        ) -> Iterator[Leaf]:
            for q in questions:
                if q.base_type in ("group", "repeat"):
                    inner = q if q.base_type == "repeat" else repeat
                    yield from walk(q.children, (*path, q.name), inner)
                else:
                    yield Leaf((*path, q.name), q, repeat)

        return walk(self.questions, (), None)

    def repeats(self) -> list[tuple[tuple[str, ...], Question]]:
        """The repeats with their paths."""
        out: list[tuple[tuple[str, ...], Question]] = []

        def walk(questions: tuple[Question, ...], path: tuple[str, ...]) -> None:
            for q in questions:
                if q.base_type == "repeat":
                    out.append(((*path, q.name), q))
                if q.children:
                    walk(q.children, (*path, q.name))

        walk(self.questions, ())
        return out

    def list_names(self) -> list[str]:
        names = [leaf.question.list_name for leaf in self.leaves()]
        return list(dict.fromkeys(n for n in names if n))


# --- choice lists -----------------------------------------------------------------------------


def _vocabulary(enum: type[StrEnum], labels: dict[str, L]) -> list[tuple[str, L]]:
    """A choice list that is exactly the enum's values, in its order."""
    values = [m.value for m in enum]
    if set(values) != set(labels):
        raise RuntimeError(
            f"field form labels of {enum.__name__} do not match its values: "
            f"{sorted(set(values) ^ set(labels))}"
        )
    return [(v, labels[v]) for v in values]


ORDNANCE_LABELS: dict[str, tuple[str, str]] = {
    "E-001 M": (
        "E-001 M piyada əleyhinə fuqas mina",
        "E-001 M противопехотная фугасная мина",
    ),
    "PMN": ("PMN piyada əleyhinə fuqas mina", "ПМН противопехотная фугасная мина"),
    "PMN-2": ("PMN-2 piyada əleyhinə fuqas mina", "ПМН-2 противопехотная фугасная мина"),
    "PMN-4": ("PMN-4 piyada əleyhinə fuqas mina", "ПМН-4 противопехотная фугасная мина"),
    "PFM-1": (
        "PFM-1 məsafədən qurulan piyada əleyhinə fuqas mina",
        "ПФМ-1 противопехотная фугасная мина дистанционной установки",
    ),
    "POMZ-2M": (
        "POMZ-2M piyada əleyhinə qəlpəli payalı mina",
        "ПОМЗ-2М противопехотная осколочная мина (на колышке)",
    ),
    "OZM-72": (
        "OZM-72 piyada əleyhinə sıçrayan qəlpəli mina",
        "ОЗМ-72 противопехотная выпрыгивающая осколочная мина",
    ),
    "MON-50": (
        "MON-50 piyada əleyhinə istiqamətli qəlpəli mina",
        "МОН-50 противопехотная осколочная мина направленного поражения",
    ),
    "MON-100": (
        "MON-100 piyada əleyhinə istiqamətli qəlpəli mina",
        "МОН-100 противопехотная осколочная мина направленного поражения",
    ),
    "TM-57": ("TM-57 tank əleyhinə fuqas mina", "ТМ-57 противотанковая фугасная мина"),
    "TM-62M": (
        "TM-62M tank əleyhinə fuqas mina (metal gövdə)",
        "ТМ-62М противотанковая фугасная мина (металлический корпус)",
    ),
    "TM-62P3": (
        "TM-62P3 tank əleyhinə fuqas mina (plastik gövdə)",
        "ТМ-62П3 противотанковая фугасная мина (пластмассовый корпус)",
    ),
    "TM-83": (
        "TM-83 tank əleyhinə yandan təsirli mina",
        "ТМ-83 противотанковая противобортовая мина",
    ),
    "UXO-PROJECTILE": (
        "Artilleriya mərmisi (partlamamış)",
        "Артиллерийский снаряд (неразорвавшийся)",
    ),
    "UXO-MORTAR": ("Minaatan minası (partlamamış)", "Миномётная мина (неразорвавшаяся)"),
    "UXO-ROCKET": (
        "Reaktiv mərmi və ya raket (partlamamış)",
        "Реактивный снаряд или ракета (неразорвавшиеся)",
    ),
    "UXO-GRENADE": (
        "Əl və ya tüfəng qumbarası (partlamamış)",
        "Ручная или ружейная граната (неразорвавшаяся)",
    ),
    "UXO-RPG": ("Reaktiv qumbara (partlamamış)", "Реактивная граната (неразорвавшаяся)"),
    "AXO-AMMUNITION": (
        "Tərk edilmiş sursat (anbar və ya gizlinc)",
        "Оставленные боеприпасы (склад или тайник)",
    ),
    "SUB-DPICM": (
        "Kaset döyüş elementi, DPICM tipli (partlamamış)",
        "Кассетный суббоеприпас типа DPICM (неразорвавшийся)",
    ),
    "SUB-9N235": (
        "9N235 qəlpəli döyüş elementi (partlamamış)",
        "Осколочный боевой элемент 9Н235 (неразорвавшийся)",
    ),
    "IED-BOOBYTRAP": (
        "Mina-tələ / qurbanın hərəkəti ilə işə düşən əldəqayırma partlayıcı qurğu",
        "Мина-ловушка / СВУ, срабатывающее от действий жертвы",
    ),
}


def _ordnance() -> list[tuple[str, L]]:
    codes = [code for code, *_ in ORDNANCE]
    if set(codes) != set(ORDNANCE_LABELS):
        raise RuntimeError(
            "field form labels of the ordnance catalogue do not match its codes: "
            f"{sorted(set(codes) ^ set(ORDNANCE_LABELS))}"
        )
    return [(code, L(name, *ORDNANCE_LABELS[code])) for code, name, *_ in ORDNANCE]


DISTRICTS: list[tuple[str, str, L]] = [
    # choice name, the district's name in the registry (as seeded by init), labels
    ("agdam", "Agdam District", L("Aghdam", "Ağdam", "Агдам")),
    ("fuzuli", "Fuzuli District", L("Fuzuli", "Füzuli", "Физули")),
    ("jabrayil", "Jabrayil District", L("Jabrayil", "Cəbrayıl", "Джебраил")),
    ("zangilan", "Zangilan District", L("Zangilan", "Zəngilan", "Зангилан")),
    ("qubadli", "Qubadli District", L("Gubadli", "Qubadlı", "Губадлы")),
    ("lachin", "Lachin District", L("Lachin", "Laçın", "Лачин")),
    ("kalbajar", "Kalbajar District", L("Kalbajar", "Kəlbəcər", "Кельбаджар")),
    ("khojaly", "Khojaly District", L("Khojaly", "Xocalı", "Ходжалы")),
    ("khojavend", "Khojavend District", L("Khojavend", "Xocavənd", "Ходжавенд")),
    ("shusha", "Shusha District", L("Shusha district", "Şuşa rayonu", "Шушинский район")),
    ("shusha_city", "Shusha City", L("Shusha city", "Şuşa şəhəri", "город Шуша")),
    ("khankendi", "Khankendi City", L("Khankendi city", "Xankəndi şəhəri", "город Ханкенди")),
    ("tartar", "Tartar District", L("Tartar", "Tərtər", "Тертер")),
    ("aghjabadi", "Aghjabadi District", L("Aghjabadi", "Ağcabədi", "Агджабеди")),
    ("barda", "Barda District", L("Barda", "Bərdə", "Барда")),
    ("beylagan", "Beylagan District", L("Beylagan", "Beyləqan", "Бейлаган")),
    ("goranboy", "Goranboy District", L("Goranboy", "Goranboy", "Геранбой")),
    ("dashkasan", "Dashkasan District", L("Dashkasan", "Daşkəsən", "Дашкесан")),
    ("gadabay", "Gadabay District", L("Gadabay", "Gədəbəy", "Гедабек")),
    ("tovuz", "Tovuz District", L("Tovuz", "Tovuz", "Товуз")),
    ("agstafa", "Agstafa District", L("Agstafa", "Ağstafa", "Агстафа")),
    ("qazakh", "Qazakh District", L("Gazakh", "Qazax", "Газах")),
    ("sadarak", "Sadarak District", L("Sadarak", "Sədərək", "Садарак")),
]
OTHER = "other"
"""The choice that asks for a typed name instead (districts, activity at the time)."""
DISTRICT_NAMES = {name: registry_name for name, registry_name, _ in DISTRICTS}

YES_NO = [("yes", L("Yes", "Bəli", "Да")), ("no", L("No", "Xeyr", "Нет"))]

CHOICES: dict[str, list[tuple[str, L]]] = {
    "yes_no": YES_NO,
    "district": [(name, label) for name, _, label in DISTRICTS]
    + [(OTHER, L("Other (type the name)", "Digər (adını yazın)", "Другой (введите название)"))],
    "hazard_kind": _vocabulary(
        e.HazardKind,
        {
            "SHA": L(
                "SHA: suspected hazardous area",
                "SHA: şübhəli təhlükəli ərazi",
                "ПОР: предположительно опасный район (SHA)",
            ),
            "CHA": L(
                "CHA: confirmed hazardous area",
                "CHA: təsdiqlənmiş təhlükəli ərazi",
                "ПдОР: подтверждённый опасный район (CHA)",
            ),
        },
    ),
    "hazard_status": _vocabulary(
        e.HazardStatus,
        {
            "open": L("Open", "Açıq", "Открыт"),
            "in_work": L("In work", "İşdə", "В работе"),
            "closed": L("Closed", "Bağlı", "Закрыт"),
        },
    ),
    "contamination": _vocabulary(
        e.Contamination,
        {
            "mined_area": L("Mined area", "Minalanmış ərazi", "Заминированный район"),
            "battle_area": L(
                "Battle area (UXO/AXO)",
                "Döyüş ərazisi (partlamamış/tərk edilmiş sursat)",
                "Район боевых действий (НВБ/ОВБ)",
            ),
            "mixed": L("Mixed", "Qarışıq", "Смешанное"),
        },
    ),
    "blockage": _vocabulary(
        e.Blockage,
        {
            "road": L("Road or path", "Yol və ya cığır", "Дорога или тропа"),
            "agriculture": L(
                "Farmland or pasture", "Əkin sahəsi və ya otlaq", "Пашня или пастбище"
            ),
            "housing": L("Housing", "Yaşayış evləri", "Жильё"),
            "water": L("Water source", "Su mənbəyi", "Источник воды"),
            "infrastructure": L("Infrastructure", "İnfrastruktur", "Инфраструктура"),
        },
    ),
    "device_category": _vocabulary(
        e.DeviceCategory,
        {
            "ap_mine": L("Anti-personnel mines", "Piyada əleyhinə minalar", "Противопехотные мины"),
            "at_mine": L("Anti-tank mines", "Tank əleyhinə minalar", "Противотанковые мины"),
            "uxo": L(
                "Unexploded ordnance (UXO)",
                "Partlamamış hərbi sursat",
                "Неразорвавшиеся боеприпасы (НВБ)",
            ),
            "axo": L(
                "Abandoned ordnance (AXO)",
                "Tərk edilmiş hərbi sursat",
                "Оставленные взрывоопасные боеприпасы (ОВБ)",
            ),
            "ied": L(
                "Improvised devices and booby traps",
                "Əldəqayırma partlayıcı qurğular və mina-tələlər",
                "Самодельные взрывные устройства и мины-ловушки",
            ),
            "submunition": L(
                "Cluster submunitions", "Kaset döyüş elementləri", "Кассетные суббоеприпасы"
            ),
        },
    ),
    "activity_kind": _vocabulary(
        e.ActivityKind,
        {
            "nts": L(
                "Non-technical survey", "Qeyri-texniki tədqiqat", "Нетехническое обследование"
            ),
            "ts": L("Technical survey", "Texniki tədqiqat", "Техническое обследование"),
            "clearance": L("Clearance", "Təmizləmə", "Расчистка"),
            "eod": L(
                "EOD spot task",
                "Partlayıcı sursatın zərərsizləşdirilməsi (EOD)",
                "Обезвреживание ВОП (EOD)",
            ),
            "bac": L(
                "Battle area clearance",
                "Döyüş ərazisinin təmizlənməsi",
                "Очистка района боевых действий",
            ),
            "qa_qc": L("Quality assurance / control", "Keyfiyyətə nəzarət", "Контроль качества"),
            "handover": L("Handover of land", "Torpağın təhvil verilməsi", "Передача земли"),
        },
    ),
    "release_result": _vocabulary(
        e.ReleaseResult,
        {
            "cancelled": L(
                "Land cancelled (by non-technical survey)",
                "Ərazi ləğv edildi (qeyri-texniki tədqiqatla)",
                "Земля исключена (нетехническим обследованием)",
            ),
            "reduced": L(
                "Land reduced (by technical survey)",
                "Ərazi azaldıldı (texniki tədqiqatla)",
                "Земля сокращена (техническим обследованием)",
            ),
            "cleared": L("Land cleared", "Ərazi təmizləndi", "Земля очищена"),
            "none": L(
                "No land released yet", "Ərazi hələ azad edilməyib", "Земля ещё не высвобождена"
            ),
        },
    ),
    "method": _vocabulary(
        e.Method,
        {
            "manual": L("Manual", "Əl ilə", "Ручной"),
            "mechanical": L("Mechanical (machine)", "Mexaniki (maşın)", "Механический (машина)"),
            "mdd": L("Mine detection dogs", "Mina axtaran itlər", "Минно-розыскные собаки"),
            "mixed": L("Mixed", "Qarışıq", "Смешанный"),
            "survey": L("Survey", "Tədqiqat", "Обследование"),
        },
    ),
    "ordnance": _ordnance(),
    "disposal": _vocabulary(
        e.Disposal,
        {
            "destroyed_in_situ": L(
                "Destroyed in place", "Yerində məhv edildi", "Уничтожено на месте"
            ),
            "removed": L(
                "Removed for later destruction",
                "Sonradan məhv etmək üçün aparıldı",
                "Вывезено для последующего уничтожения",
            ),
            "detonated": L("Detonated (demolition)", "Partladıldı", "Подорвано"),
            "rendered_safe": L("Rendered safe", "Zərərsizləşdirildi", "Обезврежено"),
        },
    ),
    "accident_kind": _vocabulary(
        e.AccidentKind,
        {
            "accident": L(
                "Demining accident (at a demining workplace)",
                "Minatəmizləmə qəzası (minatəmizləmə iş yerində)",
                "Несчастный случай при разминировании (на рабочем месте)",
            ),
            "incident": L(
                "Mine / ERW incident (anywhere else)",
                "Mina / partlamamış sursat hadisəsi (başqa yerdə)",
                "Инцидент с миной / ВПВ (в любом другом месте)",
            ),
        },
    ),
    "victim_status": _vocabulary(
        e.VictimStatus,
        {
            "civilian": L("Civilian", "Mülki şəxs", "Гражданское лицо"),
            "military": L("Military", "Hərbçi", "Военнослужащий"),
            "deminer": L("Deminer", "Minatəmizləyən", "Сапёр-разминёр"),
        },
    ),
    "outcome": _vocabulary(
        e.Outcome,
        {
            "killed": L("Killed", "Həlak olub", "Погиб"),
            "injured": L("Injured", "Yaralanıb", "Ранен"),
        },
    ),
    "sex": _vocabulary(
        e.Sex,
        {
            "female": L("Female", "Qadın", "Женский"),
            "male": L("Male", "Kişi", "Мужской"),
            "unknown": L("Unknown", "Məlum deyil", "Неизвестно"),
        },
    ),
    "age_group": _vocabulary(
        e.AgeGroup,
        {
            "child": L("Child (under 18)", "Uşaq (18 yaşadək)", "Ребёнок (до 18 лет)"),
            "adult": L("Adult (18 or over)", "Yetkin (18 və yuxarı)", "Взрослый (18 лет и старше)"),
            "unknown": L("Unknown", "Məlum deyil", "Неизвестно"),
        },
    ),
    "activity_at_time": [
        ("farming", L("Farming", "Əkinçilik", "Сельхозработы")),
        ("herding", L("Herding animals", "Heyvan otarma", "Выпас скота")),
        (
            "collecting",
            L(
                "Collecting wood, food or scrap metal",
                "Odun, qida və ya metal qırıntısı toplama",
                "Сбор дров, еды или металлолома",
            ),
        ),
        ("travelling", L("Travelling", "Yolda", "В пути")),
        ("playing", L("Playing", "Oyun", "Игра")),
        (
            "handling",
            L(
                "Handling or tampering with the device",
                "Sursata toxunma və ya onu açma",
                "Обращение с предметом",
            ),
        ),
        (
            "rebuilding",
            L(
                "Returning home or rebuilding",
                "Evə qayıdış və ya tikinti",
                "Возвращение домой или восстановление",
            ),
        ),
        ("demining", L("Demining", "Minatəmizləmə", "Разминирование")),
        ("military_duty", L("Military duty", "Hərbi xidmət", "Военная служба")),
        (OTHER, L("Other", "Digər", "Другое")),
    ],
}


# --- shared texts -----------------------------------------------------------------------------

NOT_FUTURE = ". <= today()"
MSG_NOT_FUTURE = L(
    "The date cannot be in the future",
    "Tarix gələcəkdə ola bilməz",
    "Дата не может быть в будущем",
)
LOCAL_ID_HINT = L(
    "As registered in the national database, e.g. {example}",
    "Milli məlumat bazasında qeydə alındığı kimi, məsələn {example}",
    "Как зарегистрировано в национальной базе данных, например {example}",
)


def _local_id_hint(example: str) -> L:
    return L(*(text.format(example=example) for text in LOCAL_ID_HINT))


def _meta() -> tuple[Question, ...]:
    return (Question("start", "start"), Question("end", "end"))


def _reporter(*more: Question) -> Question:
    return Question(
        "group",
        "grp_report",
        L("Report", "Hesabat", "Отчёт"),
        children=(
            Question(
                "text",
                "enumerator",
                L("Your name", "Adınız və soyadınız", "Ваше имя"),
                L(
                    "The person filling this form",
                    "Bu formanı dolduran şəxs",
                    "Лицо, заполняющее эту форму",
                ),
                required=True,
                field="reported_by",
            ),
            *more,
        ),
    )


def _district(name: str, field_name: str, required: bool, label: L) -> tuple[Question, Question]:
    return (
        Question(
            "select_one district",
            name,
            label,
            required=required,
            appearance="minimal",
            field=field_name,
        ),
        Question(
            "text",
            f"{name}_other",
            L("Name of the district", "Rayonun adı", "Название района"),
            L(
                "In any spelling: Azerbaijani, English or Russian",
                "İstənilən yazılışda: azərbaycanca, ingiliscə və ya rusca",
                "В любом написании: по-азербайджански, по-английски или по-русски",
            ),
            required=True,
            relevant=f"${{{name}}} = '{OTHER}'",
            field=field_name,
        ),
    )


DISTRICT_LABEL = L("District", "Rayon", "Район")

HAZARD_SURVEY = Form(
    form_id="hazard_survey",
    title=L(
        "Hazard survey",
        "Təhlükəli ərazinin tədqiqatı",
        "Обследование опасного района",
    ),
    kind="hazards",
    version="2025010101",
    instance_name="concat(${kind}, ' ', ${district}, ' ', ${enumerator})",
    questions=(
        *_meta(),
        _reporter(),
        Question(
            "group",
            "grp_area",
            L("Hazardous area", "Təhlükəli ərazi", "Опасный район"),
            children=(
                *_district("district", "location", True, DISTRICT_LABEL),
                Question(
                    "text",
                    "place",
                    L("Place name", "Yerin adı", "Название места"),
                    L(
                        "The nearest settlement or landmark, e.g. 'west of Kengerli, orchard'",
                        "Ən yaxın yaşayış məntəqəsi və ya nişangah, məs. 'Kəngərlinin qərbi, bağ'",
                        "Ближайший населённый пункт или ориентир, напр. 'западнее Кенгерли, сад'",
                    ),
                    field="name",
                ),
                Question(
                    "select_one hazard_kind",
                    "kind",
                    L("Kind of hazardous area", "Təhlükəli ərazinin növü", "Тип опасного района"),
                    L(
                        "SHA: indirect evidence only. CHA: direct evidence of explosive ordnance",
                        "SHA: yalnız dolayı sübut. CHA: partlayıcı sursatın birbaşa sübutu",
                        "ПОР: только косвенные признаки. ПдОР: прямые признаки ВОП",
                    ),
                    required=True,
                    field="kind",
                ),
                Question(
                    "select_one contamination",
                    "contamination",
                    L("Contamination", "Çirklənmə", "Загрязнение"),
                    required=True,
                    field="contamination",
                ),
                Question(
                    "select_one hazard_status",
                    "status",
                    L("Status", "Vəziyyət", "Статус"),
                    required=True,
                    default="open",
                    field="status",
                ),
                Question(
                    "geoshape",
                    "area",
                    L("Boundary of the area", "Ərazinin sərhədi", "Граница района"),
                    L(
                        "Walk the boundary or tap its corners on the map; at least 3 points",
                        "Sərhəd boyunca gəzin və ya xəritədə künclərinə toxunun; ən azı 3 nöqtə",
                        "Обойдите границу или отметьте её углы на карте; не менее 3 точек",
                    ),
                    required=True,
                    field="geometry",
                ),
                Question(
                    "decimal",
                    "estimated_area_ha",
                    L("Estimated area (ha)", "Təxmini sahə (ha)", "Оценочная площадь (га)"),
                    L(
                        "Your estimate; the registry computes the area from the boundary",
                        "Sizin təxmininiz; reyestr sahəni sərhəddən hesablayır",
                        "Ваша оценка; реестр вычисляет площадь по границе",
                    ),
                    constraint=". > 0 and . < 100000",
                    constraint_message=L(
                        "Give a positive number of hectares",
                        "Müsbət hektar sayı daxil edin",
                        "Укажите положительное число гектаров",
                    ),
                    field="estimated_area_m2",
                ),
            ),
        ),
        Question(
            "group",
            "grp_evidence",
            L("Evidence and impact", "Sübutlar və təsir", "Признаки и последствия"),
            children=(
                Question(
                    "text",
                    "evidence",
                    L("Evidence", "Sübutlar", "Признаки"),
                    L(
                        "What was seen or reported, by whom: mines seen, accidents, "
                        "fighting positions, local knowledge",
                        "Nə görülüb və ya kim nə bildirib: görülmüş minalar, qəzalar, "
                        "döyüş mövqeləri, yerli məlumat",
                        "Что видели или сообщили и кто: замеченные мины, подрывы, "
                        "позиции, сведения местных жителей",
                    ),
                    required=True,
                    appearance="multiline",
                    field="evidence",
                ),
                Question(
                    "select_multiple device_category",
                    "expected_devices",
                    L("Devices expected", "Gözlənilən sursat", "Ожидаемые предметы"),
                    field="expected_devices",
                ),
                Question(
                    "select_multiple blockage",
                    "blockages",
                    L(
                        "What the hazard blocks",
                        "Təhlükə nəyə mane olur",
                        "Чему препятствует опасность",
                    ),
                    field="blockages",
                ),
            ),
        ),
    ),
)

PROGRESS_REPORT = Form(
    form_id="progress_report",
    title=L(
        "Activity progress report",
        "Fəaliyyət üzrə irəliləyiş hesabatı",
        "Отчёт о ходе работ",
    ),
    kind="activities",
    children=("finds",),
    version="2025010101",
    instance_name="concat(${hazard}, ' ', ${kind}, ' ', ${start_date})",
    questions=(
        *_meta(),
        _reporter(
            Question(
                "text",
                "organisation",
                L("Organisation", "Təşkilat", "Организация"),
                L(
                    "Its name or short name as registered, e.g. ANAMA",
                    "Qeydə alınmış adı və ya qısa adı, məs. ANAMA",
                    "Полное или краткое название, как зарегистрировано, напр. ANAMA",
                ),
                required=True,
                field="organisation",
            )
        ),
        Question(
            "group",
            "grp_activity",
            L("Work done", "Görülmüş iş", "Выполненная работа"),
            children=(
                Question(
                    "text",
                    "hazard",
                    L("Hazardous area id", "Təhlükəli ərazinin nömrəsi", "Номер опасного района"),
                    _local_id_hint("HAZ-AGD-0042"),
                    required=True,
                    field="hazard",
                ),
                Question(
                    "select_one activity_kind",
                    "kind",
                    L("Activity", "Fəaliyyət", "Вид работ"),
                    required=True,
                    field="kind",
                ),
                Question(
                    "select_one method",
                    "method",
                    L("Method", "Üsul", "Метод"),
                    required=True,
                    field="method",
                ),
                Question(
                    "text",
                    "asset",
                    L(
                        "Team, machine or dog id",
                        "Qrup, maşın və ya it nömrəsi",
                        "Номер группы, машины или собаки",
                    ),
                    _local_id_hint("AST-ESU-03"),
                    field="asset",
                ),
                Question(
                    "date",
                    "start_date",
                    L("First day of the work", "İşin ilk günü", "Первый день работы"),
                    required=True,
                    constraint=NOT_FUTURE,
                    constraint_message=MSG_NOT_FUTURE,
                    field="start_date",
                ),
                Question(
                    "date",
                    "end_date",
                    L("Last day of the work", "İşin son günü", "Последний день работы"),
                    L(
                        "Leave empty while the work goes on",
                        "İş davam edirsə boş saxlayın",
                        "Оставьте пустым, пока работа продолжается",
                    ),
                    constraint=". >= ${start_date} and . <= today()",
                    constraint_message=L(
                        "Between the first day and today",
                        "İlk gün ilə bu gün arasında",
                        "Между первым днём и сегодняшним",
                    ),
                    field="end_date",
                ),
                Question(
                    "select_one release_result",
                    "result",
                    L("Result for the land", "Ərazi üzrə nəticə", "Результат для земли"),
                    required=True,
                    field="result",
                ),
                Question(
                    "geoshape",
                    "area",
                    L("Ground worked", "İşlənmiş ərazi", "Обработанная площадь"),
                    L(
                        "The polygon worked in this period, inside the hazardous area",
                        "Bu dövrdə işlənmiş çoxbucaqlı, təhlükəli ərazinin daxilində",
                        "Участок, обработанный за этот период, внутри опасного района",
                    ),
                    required=True,
                    field="geometry",
                ),
                Question(
                    "integer",
                    "depth_cm",
                    L("Depth (cm)", "Dərinlik (sm)", "Глубина (см)"),
                    L(
                        "Depth to which the ground was searched",
                        "Torpağın yoxlandığı dərinlik",
                        "Глубина, на которую проверен грунт",
                    ),
                    constraint=". >= 0 and . <= 300",
                    constraint_message=L(
                        "Between 0 and 300 cm", "0 ilə 300 sm arasında", "От 0 до 300 см"
                    ),
                    relevant="${kind} != 'nts'",
                    field="depth_cm",
                ),
                Question(
                    "decimal",
                    "team_days",
                    L("Team-days", "Qrup-günlər", "Бригадо-дни"),
                    constraint=". > 0",
                    constraint_message=L("A positive number", "Müsbət ədəd", "Положительное число"),
                    field="team_days",
                ),
                Question(
                    "select_one yes_no",
                    "has_finds",
                    L(
                        "Was explosive ordnance found?",
                        "Partlayıcı sursat tapılıbmı?",
                        "Найдены ли взрывоопасные предметы?",
                    ),
                    required=True,
                ),
            ),
        ),
        Question(
            "repeat",
            "rpt_finds",
            L("Find", "Tapıntı", "Находка"),
            relevant="${has_finds} = 'yes'",
            kind="finds",
            children=(
                Question(
                    "select_one ordnance",
                    "ordnance",
                    L("Device", "Sursat", "Предмет"),
                    required=True,
                    appearance="minimal",
                    field="ordnance",
                ),
                Question(
                    "integer",
                    "quantity",
                    L("Quantity", "Sayı", "Количество"),
                    L(
                        "Devices of this model at this position",
                        "Bu nöqtədə bu modeldən olan sursatın sayı",
                        "Число предметов этой модели в этой точке",
                    ),
                    required=True,
                    default="1",
                    constraint=". >= 1 and . <= 10000",
                    constraint_message=L("At least 1", "Ən azı 1", "Не менее 1"),
                    field="quantity",
                ),
                Question(
                    "date",
                    "found_date",
                    L("Date found", "Tapıldığı tarix", "Дата обнаружения"),
                    required=True,
                    default="today()",
                    constraint=". >= ${start_date} and . <= today()",
                    constraint_message=L(
                        "Between the first day of the work and today",
                        "İşin ilk günü ilə bu gün arasında",
                        "Между первым днём работы и сегодняшним",
                    ),
                    field="found_date",
                ),
                Question(
                    "select_one disposal",
                    "disposal",
                    L("Disposal", "Zərərsizləşdirmə", "Уничтожение"),
                    required=True,
                    field="disposal",
                ),
                Question(
                    "geopoint",
                    "position",
                    L("Position", "Yeri", "Место"),
                    L(
                        "Stand at the device's marker, or as close as is safe",
                        "Sursatın nişanının yanında və ya təhlükəsiz qədər yaxında durun",
                        "Встаньте у знака предмета или так близко, как безопасно",
                    ),
                    required=True,
                    field="geometry",
                ),
            ),
        ),
    ),
)

ACCIDENT_REPORT = Form(
    form_id="accident_report",
    title=L(
        "Accident and victim report",
        "Qəza və zərərçəkənlər haqqında hesabat",
        "Отчёт о несчастном случае и пострадавших",
    ),
    kind="accidents",
    children=("victims",),
    version="2025010101",
    instance_name="concat(${kind}, ' ', ${accident_date}, ' ', ${district})",
    questions=(
        *_meta(),
        _reporter(),
        Question(
            "group",
            "grp_accident",
            L("What happened", "Nə baş verib", "Что произошло"),
            children=(
                Question(
                    "select_one accident_kind",
                    "kind",
                    L(
                        "Accident or incident",
                        "Qəza və ya hadisə",
                        "Несчастный случай или инцидент",
                    ),
                    L(
                        "An accident happens at a demining workplace (IMAS 10.60); "
                        "an incident anywhere else",
                        "Qəza minatəmizləmə iş yerində baş verir (IMAS 10.60); "
                        "hadisə isə başqa istənilən yerdə",
                        "Несчастный случай происходит на месте разминирования (IMAS 10.60), "
                        "инцидент — в любом другом месте",
                    ),
                    required=True,
                    field="kind",
                ),
                Question(
                    "date",
                    "accident_date",
                    L("Date", "Tarix", "Дата"),
                    required=True,
                    constraint=NOT_FUTURE,
                    constraint_message=MSG_NOT_FUTURE,
                    field="accident_date",
                ),
                *_district("district", "location", True, DISTRICT_LABEL),
                Question(
                    "geopoint",
                    "position",
                    L("Position", "Yeri", "Место"),
                    L(
                        "Where the device went off; record it from a safe place",
                        "Sursatın partladığı yer; təhlükəsiz yerdən qeyd edin",
                        "Где сработал предмет; отметьте из безопасного места",
                    ),
                    required=True,
                    field="geometry",
                ),
                Question(
                    "text",
                    "activity",
                    L(
                        "Demining activity id",
                        "Minatəmizləmə fəaliyyətinin nömrəsi",
                        "Номер работ по разминированию",
                    ),
                    _local_id_hint("ACT-AGD-0107"),
                    relevant="${kind} = 'accident'",
                    field="activity",
                ),
                Question(
                    "select_one ordnance",
                    "ordnance",
                    L("Device", "Sursat", "Предмет"),
                    L(
                        "Leave empty if unknown",
                        "Məlum deyilsə boş saxlayın",
                        "Оставьте пустым, если неизвестно",
                    ),
                    appearance="minimal",
                    field="ordnance",
                ),
                Question(
                    "text",
                    "description",
                    L("Description", "Təsvir", "Описание"),
                    L(
                        "What happened, in order; who was there",
                        "Nə baş verdi, ardıcıllıqla; orada kim var idi",
                        "Что произошло, по порядку; кто был рядом",
                    ),
                    required=True,
                    appearance="multiline",
                    field="description",
                ),
                Question(
                    "select_one yes_no",
                    "has_victims",
                    L(
                        "Was anyone killed or injured?",
                        "Həlak olan və ya yaralanan varmı?",
                        "Есть ли погибшие или раненые?",
                    ),
                    required=True,
                ),
            ),
        ),
        Question(
            "repeat",
            "rpt_victims",
            L("Victim", "Zərərçəkən", "Пострадавший"),
            relevant="${has_victims} = 'yes'",
            kind="victims",
            children=(
                Question(
                    "text",
                    "victim_name",
                    L("Name", "Adı və soyadı", "Имя"),
                    L(
                        "If known and agreed",
                        "Məlumdursa və razılıq varsa",
                        "Если известно и есть согласие",
                    ),
                    field="name",
                ),
                Question(
                    "select_one sex",
                    "sex",
                    L("Sex", "Cinsi", "Пол"),
                    required=True,
                    field="sex",
                ),
                Question(
                    "integer",
                    "age",
                    L("Age (years)", "Yaşı", "Возраст (лет)"),
                    constraint=". >= 0 and . <= 110",
                    constraint_message=L("Between 0 and 110", "0 ilə 110 arasında", "От 0 до 110"),
                    field="age",
                ),
                Question(
                    "select_one age_group",
                    "age_group",
                    L("Age group", "Yaş qrupu", "Возрастная группа"),
                    required=True,
                    constraint=(
                        ". = 'unknown' or string-length(string(${age})) = 0"
                        " or (${age} < 18 and . = 'child') or (${age} >= 18 and . = 'adult')"
                    ),
                    constraint_message=L(
                        "Does not match the age", "Yaşa uyğun deyil", "Не соответствует возрасту"
                    ),
                    field="age_group",
                ),
                Question(
                    "select_one victim_status",
                    "status",
                    L("Victim was", "Zərərçəkən", "Пострадавший — это"),
                    required=True,
                    field="status",
                ),
                Question(
                    "select_one outcome",
                    "outcome",
                    L("Outcome", "Nəticə", "Исход"),
                    required=True,
                    field="outcome",
                ),
                Question(
                    "select_one activity_at_time",
                    "activity_at_time",
                    L(
                        "Doing what at the time",
                        "Hadisə zamanı nə ilə məşğul idi",
                        "Чем был занят в момент подрыва",
                    ),
                    field="activity_at_time",
                ),
                Question(
                    "text",
                    "injuries",
                    L("Injuries", "Xəsarətlər", "Ранения"),
                    L(
                        "e.g. loss of the left leg below the knee",
                        "məs. sol ayağın dizdən aşağı itirilməsi",
                        "напр. потеря левой ноги ниже колена",
                    ),
                    relevant="${outcome} = 'injured'",
                    field="injuries",
                ),
                *_district(
                    "home_district",
                    "home_location",
                    False,
                    L("Home district", "Yaşadığı rayon", "Район проживания"),
                ),
            ),
        ),
    ),
)

FORMS: dict[str, Form] = {f.form_id: f for f in (HAZARD_SURVEY, PROGRESS_REPORT, ACCIDENT_REPORT)}
"""The field forms by their form id (also the KIND of ``clearground import``)."""
