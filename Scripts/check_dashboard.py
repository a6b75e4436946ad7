#!/usr/bin/env python3
"""Drives headless Chromium over a running `skillstream serve` and its data.

Signs in through the dashboard's own form as several roles, opens every page (desktop and phone
sizes, Spanish and English), saves a screenshot of each, and fails on any console error or
warning, uncaught page error, failed request, broken link (every same-origin <a href> is fetched
with the session) or a page that is not the one expected.

Usage: check_dashboard.py --base http://127.0.0.1:8080 --binary .build/debug/skillstream
                          --secret-file FILE --screenshots DIR
"""
import argparse, json, os, subprocess, sys, urllib.parse, urllib.request

from playwright.sync_api import sync_playwright


def token(binary, secret_file, *arguments):
    return subprocess.run([binary, "token", "issue", "--jwt-secret-file", secret_file, *arguments], check=True, capture_output=True, text=True).stdout.strip()


def api(base, bearer, path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + bearer, "Accept-Language": "es"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    arguments = parser.parse_args()
    base = arguments.base.rstrip("/")
    os.makedirs(arguments.screenshots, exist_ok=True)

    owner = token(arguments.binary, arguments.secret_file, "--role", "owner", "--subject", "duena@example.pe")
    # A restaurant with open gaps, and a staff member of it with one.
    restaurants = api(base, owner, "/api/v1/restaurants?limit=200")["items"]
    restaurant = max(restaurants, key=lambda r: r["open_alerts"])["restaurant_id"]
    alert = api(base, owner, f"/api/v1/restaurants/{urllib.parse.quote(restaurant, safe='')}/alerts?status=open&limit=1")["items"][0]
    staff = alert["staff_id"]
    r, s = urllib.parse.quote(restaurant, safe=""), urllib.parse.quote(staff, safe="")
    people = {
        "owner": owner,
        "manager": token(arguments.binary, arguments.secret_file, "--role", "manager", "--restaurant", restaurant, "--subject", "gerente@example.pe"),
        "staff": token(arguments.binary, arguments.secret_file, "--role", "staff", "--restaurant", restaurant, "--staff", staff, "--subject", staff),
        "operator": token(arguments.binary, arguments.secret_file, "--role", "operator", "--subject", "ops@example.pe"),
    }
    # (who, path, expected text in the page, screenshot name)
    visits = [
        ("owner", "/dashboard", "Restaurantes", "restaurants"),
        ("owner", f"/dashboard/restaurants/{r}", "Mapa de habilidades", "restaurant-overview"),
        ("owner", f"/dashboard/restaurants/{r}?lang=en", "Staff skills against the benchmark", "restaurant-overview-en"),
        ("manager", f"/dashboard/restaurants/{r}/staff/{s}", "Brechas y su evidencia", "staff-page"),
        ("manager", "/dashboard/training", "Programas de capacitación", "training"),
        ("owner", "/dashboard/operations?lang=es", "Retraso por partición", "operations"),
        ("operator", "/dashboard/operations?lang=en", "Lag per partition", "operations-en"),
        ("staff", "/dashboard", "Brechas y su evidencia", "staff-own-page"),
    ]
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=arguments.chromium, args=["--no-sandbox"])
        # Signed out: the sign-in page.
        context = browser.new_context()
        page = context.new_page()
        watch(page, "sign-in", problems)
        page.goto(base + "/dashboard")
        if "/dashboard/login" not in page.url:
            problems.append(f"signed out, /dashboard went to {page.url}, not the sign-in page")
        page.screenshot(path=os.path.join(arguments.screenshots, "sign-in.png"), full_page=True)
        context.close()
        # Links are fetched apart from the browser's session, so that following the language switch
        # does not change the language of the pages still to visit.
        checkers = {who: playwright.request.new_context(extra_http_headers={"Cookie": "skillstream_token=" + bearer}) for who, bearer in people.items()}
        for viewport, suffix in [({"width": 1280, "height": 900}, ""), ({"width": 390, "height": 844}, "-phone")]:
            sessions = {}
            for who, path, expected, name in visits:
                if who not in sessions:
                    context = browser.new_context(viewport=viewport, is_mobile=bool(suffix), locale="es-PE")
                    page = context.new_page()
                    watch(page, who, problems)
                    page.goto(base + "/dashboard/login")
                    page.fill("textarea[name=token]", people[who])
                    page.click("button[type=submit]")
                    page.wait_for_load_state("load")
                    if "/dashboard/login" in page.url:
                        problems.append(f"{who}: signing in failed ({page.url})")
                    sessions[who] = (context, page)
                context, page = sessions[who]
                response = page.goto(base + path)
                page.wait_for_load_state("load")
                if response is None or response.status != 200:
                    problems.append(f"{who} {path}: HTTP {response.status if response else 'none'}")
                if expected not in page.content():
                    problems.append(f"{who} {path}: '{expected}' not on the page")
                page.screenshot(path=os.path.join(arguments.screenshots, name + suffix + ".png"), full_page=True)
                if not suffix:
                    check_links(page, checkers[who], base, f"{who} {path}", problems)
            for context, _ in sessions.values():
                context.close()
        # Staff may not open the restaurant overview or a colleague's page; nobody signed out may.
        colleague = next(m["staff_id"] for m in api(base, owner, f"/api/v1/restaurants/{r}/staff?limit=200")["items"] if m["staff_id"] != staff)
        for path in [f"/dashboard/restaurants/{r}", f"/dashboard/restaurants/{r}/staff/{urllib.parse.quote(colleague, safe='')}", "/dashboard/operations"]:
            status = checkers["staff"].get(base + path).status
            if status != 403:
                problems.append(f"staff opened {path}: HTTP {status}")
        for checker in checkers.values():
            checker.dispose()
        browser.close()
    for problem in problems:
        print("PROBLEM:", problem)
    print(f"{len(visits) * 2 + 1} pages opened in Chromium, screenshots in {arguments.screenshots}, {len(problems)} problems")
    return 1 if problems else 0


def watch(page, who, problems):
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(f"{who} console {message.type}: {message.text} at {page.url}"))
    page.on("pageerror", lambda error: problems.append(f"{who} page error: {error} at {page.url}"))
    page.on("requestfailed", lambda request: problems.append(f"{who} request failed: {request.url} ({request.failure})"))


def check_links(page, checker, base, where, problems):
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    for href in sorted(set(hrefs)):
        if not href.startswith(base):
            problems.append(f"{where}: a link leaves the dashboard: {href}")
            continue
        status = checker.get(href).status
        if status >= 400:
            problems.append(f"{where}: broken link {href} (HTTP {status})")


if __name__ == "__main__":
    sys.exit(main())
