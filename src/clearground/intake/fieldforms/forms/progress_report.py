"""The progress report form: an activity on a hazard (``activities``) and its finds (a repeat)."""

from __future__ import annotations

from clearground.intake.fieldforms.forms.model import Form, L, Question
from clearground.intake.fieldforms.forms.shared import (
    MSG_NOT_FUTURE,
    NOT_FUTURE,
    _local_id_hint,
    _meta,
    _reporter,
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
