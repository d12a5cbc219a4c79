"""pip-audit over the installed dependencies, saying clearly when it could not audit: a run whose
advisory service answered for none of them (no network, or a mirror that has no advisories) is a
skip line, never a silent pass. Known vulnerabilities fail."""

import json
import subprocess
import sys
from pathlib import Path

AUDIT = Path(sys.executable).parent / "pip-audit"

try:
    done = subprocess.run([str(AUDIT), "--format", "json", "--progress-spinner", "off", "--skip-editable"],
                          capture_output=True, text=True, timeout=180)
    report = json.loads(done.stdout or "{}")
except (subprocess.TimeoutExpired, json.JSONDecodeError) as error:
    print(f"pip-audit: SKIPPED, the advisory service did not answer ({type(error).__name__})")
    sys.exit(0)

dependencies = report.get("dependencies", [])
audited = [d for d in dependencies if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
if not dependencies or not audited:
    reason = (done.stderr.strip().splitlines() or ["no answer"])[-1][:200] if not dependencies else \
        f"it found none of the {len(dependencies)} dependencies"
    print(f"pip-audit: SKIPPED, the advisory service could not audit ({reason})")
    sys.exit(0)
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        print(f"pip-audit: {dependency['name']} {dependency['version']}: {vuln['id']} "
              f"(fixed in {', '.join(vuln.get('fix_versions', [])) or 'no release yet'})")
print(f"pip-audit: {len(audited)} of {len(dependencies)} dependencies audited, {len(vulnerable)} vulnerable")
sys.exit(1 if vulnerable else 0)
