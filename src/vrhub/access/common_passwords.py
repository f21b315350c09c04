"""A small list of passwords and password stems attackers try first.

Checked case-insensitively against the whole password and against the password with
digits and symbols stripped from its ends (so ``Password2024!`` is caught as
``password``). It complements, and does not replace, screening against a breached-password
service where a deployment has one.
"""

from __future__ import annotations

COMMON = frozenset("""
123456 1234567 12345678 123456789 1234567890 12345678910 123123 111111 000000 654321 666666
password passw0rd p@ssword p@ssw0rd password1 password12 password123 passwordpassword
qwerty qwertyuiop qwertyuiop123 qwerty123 asdfghjkl zxcvbnm 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
iloveyou letmein welcome welcome1 welcomewelcome admin administrator adminadmin root toor
monkey dragon football baseball sunshine princess shadow master superman batman trustno1
abc123 abcdef abcdefgh abcdefghijkl qazwsx starwars whatever freedom hello hellohello
secret changeme changethis default guest login access test testing testtest
london londonlondon iloveLondon england chelsea arsenal liverpool tottenham manchester
nhs nhsnhs nhspassword nhs123 hospital emergency police metpolice summer winter autumn spring
correcthorsebatterystaple opensesame letmeinplease mypassword mysecret
""".lower().split())
