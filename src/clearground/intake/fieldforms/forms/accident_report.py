"""The accident report form: an accident or incident (``accidents``) and its victims (a repeat)."""

from __future__ import annotations

from clearground.intake.fieldforms.forms.model import Form, L, Question
from clearground.intake.fieldforms.forms.shared import (
    DISTRICT_LABEL,
    MSG_NOT_FUTURE,
    NOT_FUTURE,
    _district,
    _local_id_hint,
    _meta,
    _reporter,
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
