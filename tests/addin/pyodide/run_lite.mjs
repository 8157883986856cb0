// Run xlwings Lite's call path in real Pyodide (WebAssembly) under node, offline.
//
// usage: node run_lite.mjs REQUEST.json  ->  prints one JSON document
// REQUEST: {"xlwings_dir": host folder of the xlwings package, "main_py": host path of the
//           generated main.py, "calls": {label: [func_name, args]}}
// Like xlwings Lite: XLWINGS_ON_SERVER=true, main.py executed as module `main`, and every call
// through xlwings.server.custom_functions_call(body, module=main). All calls in one run.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadPyodide } from "pyodide";

const request = JSON.parse(readFileSync(process.argv[2], "utf8"));
const pyodide = await loadPyodide();
pyodide.FS.mkdirTree("/host/xlwings");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: request.xlwings_dir }, "/host/xlwings");
pyodide.FS.mkdirTree("/host/lite");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: dirname(request.main_py) }, "/host/lite");
pyodide.globals.set("request_json", JSON.stringify(request));

const out = await pyodide.runPythonAsync(`
import json, os, shutil, sys, importlib.util, platform
request = json.loads(request_json)
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
site = next(p for p in sys.path if p.endswith("site-packages"))
# The pure-Python xlwings package, as a wheel would unpack it (compiled extensions left out).
shutil.copytree("/host/xlwings", site + "/xlwings", dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
os.makedirs("/home/pyodide", exist_ok=True)
shutil.copyfile("/host/lite/" + os.path.basename(request["main_py"]), "/home/pyodide/main.py")
spec = importlib.util.spec_from_file_location("main", "/home/pyodide/main.py")
main = importlib.util.module_from_spec(spec)
sys.modules["main"] = main
spec.loader.exec_module(main)

import xlwings as xw
import xlwings.server as server

result = {"platform": sys.platform, "python": platform.python_version(),
          "xlwings": xw.__version__,
          "registered": sorted(f["name"] for f in server.custom_functions_meta(main)["functions"]),
          "results": {}}
# What a planner sees in Lite's console when the vendored core raises: its source lines.
import traceback
from kpi_xl.core import funnel
try:
    funnel.reverse_funnel(100, [0.0])
except Exception:
    result["traceback"] = traceback.format_exc()
for label, (name, args) in request["calls"].items():
    body = {"func_name": name, "args": args, "runtime": "1.4", "version": xw.__version__,
            "client": "Office.js", "caller_address": "[Book1]Sheet1!B2",
            "content_language": "ja-JP", "culture_info_name": "ja-JP", "date_format": "yyyy/MM/dd"}
    try:
        result["results"][label] = {"value": await server.custom_functions_call(body, module=main)}
    except Exception as err:
        result["results"][label] = {"error": type(err).__name__, "message": str(err)}
json.dumps(result, ensure_ascii=False)
`);
process.stdout.write(out + "\n");
