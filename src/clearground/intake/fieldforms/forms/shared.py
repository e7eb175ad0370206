"""The texts and questions the forms share: dates not in the future, local ids, the reporter,
the district asked with a typed name as fallback."""

from __future__ import annotations

from clearground.intake.fieldforms.forms.choices import OTHER
from clearground.intake.fieldforms.forms.model import L, Question

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
