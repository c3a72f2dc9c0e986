"""``manage.py seed_demo``: a believable demo world for a newcomer (README "Demo world").

Adults and teens in three cities with profiles, generated avatars (Pillow, stored through the
media service), music links and approximate locations; rooms with a history; direct messages;
two pending reports; one demo moderator in the ``Moderators`` group.

Accounts, profiles, locations, rooms and memberships are made by the same services as the API
(so every rule holds: teens and adults never share a room or a conversation). The history is
back-dated, so those rows are written directly. Idempotent: everything is keyed by the demo
e-mail addresses and room names, and a second run changes nothing. Refuses to run when DEBUG is
off unless ``--force``.
"""

import base64
import datetime as dt
import io
import random

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw

from accounts import services as account_services
from accounts.models import User
from geo import services as geo_services
from messaging.models import PrivateMessage
from rooms import services as room_services
from rooms.models import ChatRoom, ChatRoomMember, ChatRoomMessage
from safety import policy
from safety.models import Report
from uploads import services as media

DEMO_PASSWORD = "wya-demo-2026"
# The demo moderator's authenticator secret (base32, as apps and ``oathtool --totp -b`` take it):
# published in the README, so it is planted only in a DEBUG demo world. /admin/ asks every staff
# member for a TOTP code; other staff enrol their own authenticator on their first admin login.
DEMO_TOTP_SECRET = "WYADEMOMODERATORWYADEMOMODERATOR"
DEMO_DOMAIN = "demo.wya.test"
MODERATORS_GROUP = "Moderators"

# (key, name, age, city, neighbourhood, (lat, lon), colour, bio, music)
PEOPLE = [
    (
        "adult",
        "Ada Lovegood",
        29,
        "Lisbon",
        "Alfama",
        (38.7114, -9.1303),
        "#8B6CFF",
        "Tram 28 regular. Ask me about the best pastel de nata in town.",
        "https://open.spotify.com/playlist/37i9dQZF1DX4sWSpwq3LiO",
    ),
    (
        "bruno",
        "Bruno Vidal",
        34,
        "Lisbon",
        "Alfama",
        (38.7121, -9.1289),
        "#F5D547",
        "Fado on Thursdays, football on Sundays.",
        "https://soundcloud.com/forss/flickermood",
    ),
    (
        "carla",
        "Carla Mendes",
        41,
        "Lisbon",
        "Bairro Alto",
        (38.7131, -9.1446),
        "#3ECF8E",
        "Architect. I sketch the city one rooftop at a time.",
        None,
    ),
    (
        "dev",
        "Dev Kapoor",
        26,
        "Lisbon",
        "Graça",
        (38.7172, -9.1300),
        "#FF7A59",
        "New in town, looking for a climbing partner.",
        None,
    ),
    (
        "elena",
        "Elena Schulz",
        31,
        "Berlin",
        "Kreuzberg",
        (52.4986, 13.4030),
        "#4FA3FF",
        "Records, bikes, and too much coffee.",
        "https://open.spotify.com/album/1ATL5GLyefJaxhQzSPVrLX",
    ),
    (
        "felix",
        "Felix Braun",
        38,
        "Berlin",
        "Neukölln",
        (52.4811, 13.4353),
        "#E05297",
        "Board games every Wednesday. Bring snacks.",
        None,
    ),
    (
        "gabi",
        "Gabi Ortiz",
        27,
        "Austin",
        "East Austin",
        (30.2620, -97.7200),
        "#F0A04B",
        "Taco critic. Live music most nights.",
        "https://soundcloud.com/forss/sets/soulhack",
    ),
    (
        "teen",
        "Tara Nguyen",
        16,
        "Lisbon",
        "Alfama",
        (38.7110, -9.1310),
        "#FF5D8F",
        "Skating, drawing, and maths homework (sadly).",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
    ),
    (
        "theo",
        "Theo Silva",
        15,
        "Lisbon",
        "Alfama",
        (38.7118, -9.1296),
        "#5EEAD4",
        "Guitar. Learning one song a week.",
        None,
    ),
    (
        "uma",
        "Uma Costa",
        17,
        "Lisbon",
        "Bairro Alto",
        (38.7128, -9.1440),
        "#A3E635",
        "Photography club and volleyball.",
        None,
    ),
    (
        "viktor",
        "Viktor Lang",
        16,
        "Berlin",
        "Kreuzberg",
        (52.4990, 13.4020),
        "#FDBA74",
        "Coding little games. Ask me about pixel art.",
        None,
    ),
    (
        "moderator",
        "Mo Reyes",
        35,
        "Lisbon",
        "Baixa",
        (38.7110, -9.1366),
        "#94A3B8",
        "Demo moderator: I review reports in /admin/.",
        None,
    ),
]

# (owner, name, description, colour, public, members, music, lines)
ROOMS = [
    (
        "adult",
        "Alfama evenings",
        "Drinks, fado and late walks around the castle.",
        "#F5D547",
        True,
        ["bruno", "carla", "dev"],
        "https://open.spotify.com/playlist/37i9dQZF1DX4sWSpwq3LiO",
        [
            ("adult", "Who's up for Miradouro de Santa Luzia at sunset?"),
            ("bruno", "Count me in, I'll bring the vinho verde."),
            ("carla", "I can be there by 19:30."),
            ("dev", "First time there, see you all!"),
            ("adult", "Meet at the tram stop, look for the purple scarf."),
        ],
    ),
    (
        "carla",
        "Bairro Alto sketchers",
        "We draw the city. All levels welcome.",
        "#3ECF8E",
        True,
        ["adult", "dev"],
        None,
        [
            ("carla", "Saturday: the view from São Pedro de Alcântara."),
            ("dev", "Pencils or ink?"),
            ("carla", "Whatever you like. Bring a small stool."),
        ],
    ),
    (
        "bruno",
        "Thursday fado (private)",
        "The regulars' table.",
        "#7A1F3D",
        False,
        ["adult"],
        None,
        [
            ("bruno", "Table booked for 21:00 as usual."),
            ("adult", "Great, I'm bringing a friend next week if that's OK?"),
        ],
    ),
    (
        "elena",
        "Kreuzberg record swap",
        "Bring two, take two.",
        "#4FA3FF",
        True,
        ["felix"],
        "https://open.spotify.com/album/1ATL5GLyefJaxhQzSPVrLX",
        [
            ("elena", "Next swap Sunday at the flea market."),
            ("felix", "I have a stack of 80s synth-pop to get rid of."),
        ],
    ),
    (
        "gabi",
        "East Austin tacos",
        "The weekly taco crawl.",
        "#F0A04B",
        True,
        [],
        None,
        [("gabi", "This week: the truck behind the bike shop.")],
    ),
    (
        "teen",
        "Alfama skaters",
        "Skating after school. Teens only.",
        "#FF5D8F",
        True,
        ["theo", "uma"],
        None,
        [
            ("teen", "Anyone at the park after school?"),
            ("theo", "Yes! Bringing my new wheels."),
            ("uma", "I'll come and take photos."),
            ("teen", "See you at 5!"),
        ],
    ),
    (
        "viktor",
        "Pixel art club",
        "Share your sprites.",
        "#FDBA74",
        True,
        [],
        None,
        [("viktor", "Posted a new 16x16 cat. Feedback welcome!")],
    ),
]

DMS = [
    ("bruno", "adult", ["Hey Ada, are you coming on Thursday?", "Of course! Saving you a seat."]),
    ("dev", "adult", ["Hi! Do you know a good climbing gym?", "Try the one in Alcântara."]),
    ("elena", "felix", ["Did you keep that Kraftwerk LP for me?"]),
    ("theo", "teen", ["Can you show me that trick tomorrow?", "Sure, the kickflip one?"]),
    ("uma", "teen", ["Sending you the photos tonight."]),
]

# (reporter, reported, report type, description)
REPORTS = [
    ("carla", "dev", "spam", "Keeps sending me the same gym advert in DMs."),
    ("uma", "theo", "harassment", "Demo report: rude comments in the skaters room."),
]


def birth_date_for_age(years: int) -> dt.date:
    today = policy.today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born - dt.timedelta(days=45)


def avatar_png(name: str, color: str, seed: int) -> bytes:
    """A generated avatar: a coloured disc with soft shapes and the person's initials."""
    rng = random.Random(seed)
    size = 256
    base = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.new("RGB", (size, size), base)
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        shade = tuple(max(0, min(255, c + rng.randint(-70, 70))) for c in base)
        x, y, r = rng.randint(0, size), rng.randint(0, size), rng.randint(40, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    luminance = 0.2126 * base[0] + 0.7152 * base[1] + 0.0722 * base[2]
    ink = (17, 17, 20) if luminance > 140 else (255, 255, 255)
    try:
        font = ImageDraw.ImageFont.load_default(size=110)
    except TypeError:  # older Pillow: a fixed-size bitmap font
        font = ImageDraw.ImageFont.load_default()
    draw.text((size / 2, size / 2), initials, fill=ink, font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def banner_png(color: str, seed: int) -> bytes:
    rng = random.Random(seed)
    width, height = 1200, 360
    base = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.new("RGB", (width, height), tuple(c // 2 for c in base))
    draw = ImageDraw.Draw(image)
    for i in range(14):
        shade = tuple(max(0, min(255, c + rng.randint(-60, 40))) for c in base)
        x = rng.randint(-100, width)
        draw.polygon(
            [
                (x, height),
                (x + rng.randint(80, 260), rng.randint(40, 220)),
                (x + rng.randint(200, 420), height),
            ],
            fill=shade,
        )
        if i % 4 == 0:
            draw.ellipse((x, 20, x + 60, 80), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class Progress:
    """A plain text progress bar on stdout (one line, redrawn)."""

    def __init__(self, out, total: int):
        self.out, self.total, self.done = out, total, 0

    def step(self, label: str) -> None:
        self.done += 1
        width = 30
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if self.done == self.total else ""
        self.out.write(f"\r[{bar}] {self.done:>3}/{self.total} {label[:40]:<40}", ending=end)
        self.out.flush()


class Command(BaseCommand):
    help = "Load the demo world (idempotent). Refuses when DEBUG is off unless --force."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though DEBUG is off (production)"
        )
        parser.add_argument(
            "--first-run",
            action="store_true",
            help="do nothing unless the database has no accounts yet (what `make run` uses)",
        )

    def handle(self, *args, force=False, first_run=False, **options):
        if first_run and (User.objects.exists() or not settings.DEBUG):
            return  # an existing database, or production: leave it alone
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo adds demo accounts with a published password; DEBUG is off, so this "
                "looks like production. Run with --force if you really mean it."
            )
        total = len(PEOPLE) + len(ROOMS) + len(DMS) + len(REPORTS) + 1
        progress = Progress(self.stdout, total)
        people = {}
        for index, row in enumerate(PEOPLE):
            people[row[0]] = self._person(index, *row)
            progress.step(f"person {row[1]}")
        self._moderator(people["moderator"])
        progress.step("moderator")
        now = timezone.now()
        for index, room_row in enumerate(ROOMS):
            self._room(people, now - dt.timedelta(hours=6 * (len(ROOMS) - index)), *room_row)
            progress.step(f"room {room_row[1]}")
        for index, (a, b, lines) in enumerate(DMS):
            self._conversation(people[a], people[b], lines, now - dt.timedelta(hours=3 + index))
            progress.step(f"messages {people[a].profile.display_name}")
        for reporter, reported, kind, text in REPORTS:
            Report.objects.get_or_create(
                reporter=people[reporter],
                reported_user=people[reported],
                report_type=kind,
                defaults={"description": text},
            )
            progress.step(f"report by {people[reporter].profile.display_name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo world ready. Log in with the password {DEMO_PASSWORD!r} as "
                f"adult@{DEMO_DOMAIN}, teen@{DEMO_DOMAIN} or moderator@{DEMO_DOMAIN} "
                "(the moderator also reaches /admin/"
                + (f" with TOTP secret {DEMO_TOTP_SECRET})." if settings.DEBUG else ").")
            )
        )

    # --- pieces -------------------------------------------------------------------------------
    def _moderator(self, user: User) -> None:
        """The demo moderator: staff, in the moderators' group (reaches /admin/), with the
        published demo authenticator in a DEBUG demo world."""
        moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(moderators)
        if settings.DEBUG:  # a published secret: never in a real deployment (--force)
            TOTPDevice.objects.get_or_create(
                user=user,
                name="Demo authenticator",
                defaults={"key": base64.b32decode(DEMO_TOTP_SECRET).hex(), "confirmed": True},
            )

    def _person(self, index, key, name, age, city, hood, coords, color, bio, music) -> User:
        email = f"{key}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is not None:
            return user
        user, _token = account_services.user_register(
            email=email,
            password=DEMO_PASSWORD,
            date_of_birth=birth_date_for_age(age),
            display_name=name,
        )
        avatar = media.media_upload(
            user=user,
            uploaded_file=SimpleUploadedFile(
                f"{key}.png", avatar_png(name, color, index), "image/png"
            ),
        )
        banner = media.media_upload(
            user=user,
            uploaded_file=SimpleUploadedFile(
                f"{key}-banner.png", banner_png(color, index), "image/png"
            ),
        )
        account_services.profile_update(
            user=user,
            bio=bio,
            theme_color=color,
            avatar_url=avatar.media_url,
            banner_url=banner.media_url,
            profile_music_url=music,
            location=f"{hood}, {city}",
        )
        geo_services.location_set(
            user=user, city=city, neighborhood=hood, latitude=coords[0], longitude=coords[1]
        )
        return user

    def _room(self, people, start, owner, name, description, color, public, members, music, lines):
        owner_user = people[owner]
        room = ChatRoom.objects.filter(owner=owner_user, room_name=name).first()
        if room is not None:
            return room
        room = room_services.room_create(
            user=owner_user,
            room_name=name,
            description=description,
            is_public=public,
            background_color=color,
            music_url=music,
            max_participants=10,
        )
        for key in members:
            if public:
                room_services.room_join(user=people[key], room_id=room.pk)
            else:  # a private room: invited, and they accept (nobody is added without consent)
                room_services.room_invite_create(
                    actor=owner_user, room_id=room.pk, user_id=people[key].pk
                )
                room_services.room_join(user=people[key], room_id=room.pk)
        with transaction.atomic():
            for minute, (author, text) in enumerate(lines):
                ChatRoomMessage.objects.create(
                    room=room,
                    user=people[author],
                    message=text,
                    created_at=start + dt.timedelta(minutes=7 * minute),
                )
            # The owner has read everything; the others have unread messages waiting.
            ChatRoomMember.objects.filter(room=room, user=owner_user).update(
                last_seen_at=timezone.now()
            )
        return room

    def _conversation(self, a, b, lines, start):
        if PrivateMessage.objects.filter(sender=a, recipient=b).exists():
            return
        with transaction.atomic():
            for i, text in enumerate(lines):
                sender, recipient = (a, b) if i % 2 == 0 else (b, a)
                PrivateMessage.objects.create(
                    sender=sender,
                    recipient=recipient,
                    message=text,
                    created_at=start + dt.timedelta(minutes=4 * i),
                )
