// Live saving for the report page, and a confirmation before irreversible administration
// forms. Every form also works without this script (plain posts and a redirect); on the report
// page it only saves a cell as soon as it is left, and shows the totals and checks the server
// computed. Nothing is computed or decided here.
"use strict";

(function () {
  const page = document.querySelector(".report[data-report]");
  if (!page) {
    return;
  }
  const reportId = page.dataset.report;
  const csrf = page.dataset.csrf;
  const live = document.getElementById("live");

  function setVersion(version) {
    page.dataset.version = String(version);
    document.querySelectorAll("input.version").forEach(function (input) {
      input.value = String(version);
    });
  }

  function say(text, isError) {
    live.textContent = text;
    live.classList.toggle("error", Boolean(isError));
  }

  function showProblem(input, message) {
    const note = document.getElementById(input.id + "-msg");
    if (note) {
      // In the cell the reason is enough; the message starts by naming the cell.
      const text = message || "";
      note.textContent = text.slice(text.indexOf("：") + 1);
    }
    const cell = input.closest("td");
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", input.id + "-msg");
    } else {
      input.removeAttribute("aria-invalid");
    }
    if (cell) {
      cell.classList.toggle("refused", Boolean(message));
      cell.classList.remove("prefilled");
    }
  }

  function apply(input, data) {
    if (typeof data.version === "number") {
      setVersion(data.version);
    }
    const field = input.dataset.field;
    const problem = (data.problems || {})[field];
    showProblem(input, problem);
    if ((data.saved || []).indexOf(field) >= 0) {
      const was = input.form && input.form.elements.namedItem("was." + field);
      if (was) {
        was.value = input.value.trim();
      }
      forgetRefusal(input);
    }
    Object.entries(data.cells || {}).forEach(function ([id, text]) {
      const output = document.querySelector('output[data-field="' + CSS.escape(id) + '"]');
      if (output) {
        output.textContent = text;
      }
    });
    Object.entries(data.findings || {}).forEach(function ([section, html]) {
      const box = document.getElementById("findings-" + section);
      if (box) {
        box.innerHTML = html; // rendered and escaped by the server's templates
      }
    });
    if (data.progress) {
      const [done, total] = data.progress.split("/");
      const bar = document.getElementById("progress");
      bar.value = Number(done);
      bar.max = Number(total);
      document.getElementById("progress-text").textContent = data.progress;
    }
    if (data.error) {
      say(data.error, true);
    } else if (problem) {
      say(problem, true);
    } else {
      say((data.notes || []).concat(["已保存。"]).join(" "), false);
    }
  }

  // A cell listed as refused at the top of the page, now saved: its line goes, and the list
  // with its last line.
  function forgetRefusal(input) {
    document.querySelectorAll('div.error li a[href="#' + CSS.escape(input.id) + '"]')
      .forEach(function (link) {
        const list = link.closest("div.error");
        link.closest("li").remove();
        if (list && !list.querySelector("li")) {
          list.remove();
        }
      });
  }

  // The input a spreadsheet's Enter moves to: the nearest cell straight below (above, with
  // Shift) in the same table, found by where the cells are drawn, so merged header cells
  // and computed totals in between are passed over; where there is none (the last row,
  // 表四's single line), the next (previous) cell.
  function cellBelow(input, up) {
    const cells = Array.from(input.closest("table").querySelectorAll("input[data-field]"));
    const here = input.getBoundingClientRect();
    const middle = here.left + here.width / 2;
    let best = null;
    let bestTop = 0;
    cells.forEach(function (other) {
      const box = other.getBoundingClientRect();
      if (other === input || middle < box.left || middle > box.right) {
        return;
      }
      const beyond = up ? box.top < here.top - 1 : box.top > here.top + 1;
      if (beyond && (best === null || (up ? box.top > bestTop : box.top < bestTop))) {
        best = other;
        bestTop = box.top;
      }
    });
    return best || cells[cells.indexOf(input) + (up ? -1 : 1)] || null;
  }

  function save(input) {
    const body = new URLSearchParams();
    body.set("field", input.dataset.field);
    body.set("value", input.value);
    body.set("version", page.dataset.version);
    say("正在保存……", false);
    fetch("/reports/" + reportId + "/cells", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        apply(input, data);
      })
      .catch(function () {
        say("网络异常，本格尚未保存。请点击表格下方的“保存”按钮。", true);
      });
  }

  document.querySelectorAll(".table-form input[data-field], .text-form textarea[data-field]")
    .forEach(function (input) {
      if (input.readOnly) {
        return;
      }
      input.addEventListener("change", function () {
        save(input);
      });
    });

  // Enter in a table cell, as in a spreadsheet: the cell is left (and so saved, above) for
  // the one below; Shift+Enter for the one above. Without this script Enter posts the table.
  // An Enter that confirms a Chinese input method's candidate is the method's, not ours.
  document.querySelectorAll(".table-form input[data-field]").forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229 ||
          event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      event.preventDefault();
      const next = cellBelow(input, event.shiftKey);
      if (next) {
        next.focus();
        next.select();
      } else {
        input.blur();
        input.focus();
      }
    });
  });
  document.querySelectorAll("[data-enter-hint]").forEach(function (hint) {
    hint.textContent = hint.dataset.enterHint;
  });

  // A block copied from Excel or WPS pasted into a cell: the form is posted with the block in
  // that cell, and the server lays it onto the table from there.
  document.querySelectorAll(".table-form input[data-field]").forEach(function (input) {
    input.addEventListener("paste", function (event) {
      const text = (event.clipboardData || window.clipboardData).getData("text");
      if (text.indexOf("\t") < 0 && text.trim().indexOf("\n") < 0) {
        return;
      }
      event.preventDefault();
      const block = document.createElement("input");
      block.type = "hidden";
      block.name = input.name;
      block.value = text;
      input.removeAttribute("name");
      input.form.appendChild(block);
      say("正在粘贴……", false);
      input.form.submit();
    });
  });

  document.querySelectorAll("textarea[data-field]").forEach(function (area) {
    const counter = document.querySelector('[data-count-for="' + area.id + '"]');
    if (!counter) {
      return;
    }
    area.addEventListener("input", function () {
      counter.textContent = String(area.value.trim().length);
    });
  });
})();

// Forms that cannot be undone from the page (停用 a member, 撤销 an invite) ask first; without
// this script they post at once, as every form does.
document.querySelectorAll("form[data-confirm]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
});

// An organisation chooser (a text field taking a name or number) offers the organisations whose
// name contains what is typed; without this script its datalist holds the page's likely ones
// and the server still accepts any exact name or number.
document.querySelectorAll("input[data-org-lookup]").forEach(function (input) {
  const list = input.list;
  let timer = null;
  let asked = "";
  if (!list) {
    return;
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      const text = input.value.trim();
      if (!text || text === asked) {
        return;
      }
      asked = text;
      fetch(input.dataset.orgLookup + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (found) {
          if (asked !== text) {
            return;
          }
          list.replaceChildren.apply(
            list,
            found.map(function (org) {
              const option = document.createElement("option");
              option.value = org.name;
              option.textContent = org.label;
              return option;
            }),
          );
        })
        .catch(function () {});
    }, 200);
  });
});
