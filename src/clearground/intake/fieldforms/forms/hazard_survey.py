"""The hazard survey form: one hazardous area as surveyed (a record of kind ``hazards``)."""

from __future__ import annotations

from clearground.intake.fieldforms.forms.model import Form, L, Question
from clearground.intake.fieldforms.forms.shared import (
    DISTRICT_LABEL,
    _district,
    _meta,
    _reporter,
)

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
