from django.db import migrations


def load(apps, schema_editor):
    # Every year chinese-calendar covers (the State Council schedules it ships);
    # later years are loaded by administrators (load_calendar / the admin).
    from complaints.timing.deadlines import chinese_calendar_year, chinese_calendar_years

    CalendarDay = apps.get_model("complaints", "CalendarDay")
    known = set(CalendarDay.objects.values_list("day", flat=True))
    version = "chinese-calendar"
    rows = [
        CalendarDay(day=day, is_workday=workday, name=name[:40], source=version)
        for year in chinese_calendar_years()
        for day, workday, name in chinese_calendar_year(year)
        if day not in known
    ]
    CalendarDay.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_initial_code_lists")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
