"""manage.py recover_quotas: preview (and with --apply, apply) a quota-recovery campaign."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.audit import RegistryCommand
from core.dates import InvalidDate, parse_iso_date
from core.errors import RegistryError
from staffing.choices import QuotaKindCode, Rounding
from staffing.selectors import campaign_plan, campaign_totals_by_rule
from staffing.services import campaign_apply, campaign_inputs_check, campaign_preview
from units.models import Decision, Jurisdiction
from units.selectors import unit_state


class Command(RegistryCommand):
    help = _(
        "编制收回：列出某行政区划（不含下级）在某日的事业单位按三条规则应收回的编制；"
        "加 --apply 执行，编制划入该区划的编制周转池。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", required=True, help=_("行政区划代码，如 150200"))
        parser.add_argument("--on", required=True, help=_("日期 YYYY-MM-DD"))
        parser.add_argument("--decision", required=True, help=_("依据文件的文号"))
        parser.add_argument("--share", default="0.5", help=_("规则一的收回比例，默认 0.5"))
        parser.add_argument(
            "--rounding",
            default=Rounding.FLOOR,
            help=_("取整方式：floor（默认）、half_up、ceiling"),
        )
        parser.add_argument(
            "--kind", default=QuotaKindCode.INSTITUTION, help=_("编制类型，默认 institution")
        )
        parser.add_argument("--apply", action="store_true", help=_("执行（默认只预览）"))

    def handle(self, *args, **options):
        jurisdiction = Jurisdiction.objects.filter(code=options["jurisdiction"]).first()
        if jurisdiction is None:
            raise CommandError(_("行政区划“%(code)s”不存在。") % {"code": options["jurisdiction"]})
        try:
            on = parse_iso_date(options["on"])
        except InvalidDate as exc:
            raise CommandError(f"--on: {exc.message}") from None
        decision = Decision.objects.filter(number=options["decision"]).first()
        if decision is None:
            raise CommandError(_("文号“%(n)s”的决定不存在。") % {"n": options["decision"]})
        kind, rounding = options["kind"], options["rounding"]
        try:
            share = campaign_inputs_check(kind=kind, share=options["share"], rounding=rounding)
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        try:
            if options["apply"]:
                campaign = campaign_preview(
                    jurisdiction=jurisdiction,
                    on=on,
                    decision=decision,
                    kind=kind,
                    share=share,
                    rounding=rounding,
                )
                campaign = campaign_apply(campaign=campaign)
            plan = (
                campaign_plan(
                    jurisdiction=jurisdiction, on=on, kind=kind, share=share, rounding=rounding
                )
                if not options["apply"]
                else None
            )
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        if options["apply"]:
            self._print_lines(
                [
                    (line.unit.key, self._name(line), line.vacancy, line.rule, line.amount)
                    for line in campaign.lines.select_related("unit").order_by("unit__key", "id")
                ],
                [(s.unit.key, s.balance) for s in campaign.skips.select_related("unit")],
                campaign_totals_by_rule(campaign.lines.all()),
                campaign.total,
            )
            self.stdout.write(
                _("已执行：收回行动 #%(id)d，%(total)d 名编制划入 pool:%(code)s。")
                % {"id": campaign.pk, "total": campaign.total, "code": jurisdiction.code}
            )
            return
        assert plan is not None  # computed above when not applying
        self._print_lines(
            [(ln.key, ln.name, ln.vacancy, ln.rule, ln.amount) for ln in plan.lines],
            [(s.key, s.balance) for s in plan.skipped],
            plan.total_by_rule(),
            plan.total,
        )
        self.stdout.write(_("仅预览，未写入。加 --apply 执行。"))

    @staticmethod
    def _name(line) -> str:
        state = unit_state(unit=line.unit, on=line.campaign.on)
        return state.name if state else line.unit.key

    def _print_lines(self, lines, skipped, totals: dict[str, int], total: int) -> None:
        self.stdout.write("\t".join([_("标识"), _("名称"), _("空编"), _("规则"), _("收回")]))
        for key, name, vacancy, rule, amount in lines:
            self.stdout.write(f"{key}\t{name}\t{vacancy}\t{rule}\t{amount}")
        self.stdout.write(
            _("未报实有人数、未纳入的机构（%(n)d）：%(keys)s")
            % {"n": len(skipped), "keys": ", ".join(key for key, _b in skipped) or "-"}
        )
        for rule, amount in totals.items():
            self.stdout.write(f"{rule}\t{amount}")
        self.stdout.write(_("合计：%(total)d") % {"total": total})
