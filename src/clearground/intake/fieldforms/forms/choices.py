"""The choice lists of the forms, labelled in English, Azerbaijani and Russian.

Choice lists of controlled fields are the model's vocabularies (``domain.enums``) value for
value, and the ordnance list is the catalogue (``domain.catalogue``) code for code: a
vocabulary that changes without its labels here fails at import time.
"""

from __future__ import annotations

from enum import StrEnum

from clearground.domain import enums as e
from clearground.domain.catalogue import ORDNANCE
from clearground.intake.fieldforms.forms.model import L


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
