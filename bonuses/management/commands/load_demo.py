from django.core.management.base import BaseCommand

from bonuses.services.demo import load_demo_club


class Command(BaseCommand):
    help = "Load the small demo club from fixtures/demo_club.json (skipped if already loaded)."

    def handle(self, *args, **options):
        if load_demo_club():
            self.stdout.write(self.style.SUCCESS("Demo club loaded."))
        else:
            self.stdout.write("Demo club already loaded.")
