#include "ui/routinghistoryview.h"

#include <algorithm>
#include <cmath>

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/routing/routing_history.h"
#include "ui/palette.h"

namespace moe::ui {

namespace {
const QColor kChanged(255, 214, 153);  // the evaluations where the first choice moved

// Dark text on light expert colours, white on dark ones, so every label reads on a projector.
QColor textOn(const QColor& c) { return c.lightnessF() > 0.6 ? Qt::black : Qt::white; }
}  // namespace

RoutingHistoryView::RoutingHistoryView(QWidget* parent) : QWidget(parent) {
  mTitle = new QLabel(this);
  mTitle->setObjectName(QStringLiteral("routingHistoryTitle"));
  mTitle->setWordWrap(true);
  mTable = new QTableWidget(0, 0, this);
  mTable->setObjectName(QStringLiteral("routingHistory"));
  mTable->verticalHeader()->setVisible(false);
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setSelectionMode(QAbstractItemView::NoSelection);
  mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  mTable->horizontalHeader()->setStretchLastSection(true);
  mTable->verticalHeader()->setDefaultSectionSize(mTable->fontMetrics().height() + 6);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(mTitle);
  layout->addWidget(mTable, 1);
  clear();
}

QString RoutingHistoryView::titleText() const { return mTitle->text(); }

void RoutingHistoryView::clear() {
  mTable->setRowCount(0);
  mTable->setColumnCount(0);
  mChoices = 0;
  mTitle->setText(tr("<b>Routing across evaluations</b>: pick an input (each evaluation adds a row)"));
}

void RoutingHistoryView::showHistory(const core::RoutingHistory* history, int row) {
  const std::vector<core::RoutingHistoryEntry> entries =
      history ? history->of(row) : std::vector<core::RoutingHistoryEntry>{};
  if (entries.empty()) {
    clear();
    if (row >= 0)
      mTitle->setText(tr("<b>Routing across evaluations</b>: none yet for input #%1 (train to "
                         "the next evaluation)").arg(row));
    return;
  }
  mChoices = int(entries.back().experts.size());
  QStringList headers{tr("Step")};
  for (int c = 0; c < mChoices; ++c) headers << (mChoices == 1 ? tr("Expert") : tr("Choice %1").arg(c + 1));
  headers << tr("Top-1 gate") << tr("Top-%1 margin").arg(mChoices) << tr("First choice");
  mTable->setRowCount(0);
  mTable->setColumnCount(int(headers.size()));
  mTable->setHorizontalHeaderLabels(headers);
  mTable->setRowCount(int(entries.size()));
  QFont bold = mTable->font();
  bold.setBold(true);
  QStringList changes;  // "step (E a → E b)" of each first-choice change
  for (int r = 0; r < int(entries.size()); ++r) {
    const core::RoutingHistoryEntry& e = entries[std::size_t(r)];
    const int first = e.experts.empty() ? -1 : e.experts.front();
    const int before = r > 0 && !entries[std::size_t(r) - 1].experts.empty()
                           ? entries[std::size_t(r) - 1].experts.front() : first;
    const bool changed = r > 0 && first != before;
    if (changed) changes << tr("step %1 (E%2 → E%3)").arg(e.step).arg(before).arg(first);
    auto* step = new QTableWidgetItem(QString::number(e.step));
    step->setData(Qt::UserRole, qlonglong(e.step));
    mTable->setItem(r, StepColumn, step);
    for (int c = 0; c < mChoices; ++c) {
      const int expert = c < int(e.experts.size()) ? e.experts[std::size_t(c)] : -1;
      auto* item = new QTableWidgetItem(expert >= 0 ? tr("E%1").arg(expert) : tr("—"));
      item->setData(Qt::UserRole, expert);
      item->setTextAlignment(Qt::AlignCenter);
      if (expert >= 0) {
        item->setBackground(categoryColor(expert));
        item->setForeground(textOn(categoryColor(expert)));
      }
      mTable->setItem(r, FirstChoiceColumn + c, item);
    }
    const int gateColumn = FirstChoiceColumn + mChoices;
    mTable->setItem(r, gateColumn, new QTableWidgetItem(QString::number(double(e.topGate), 'f', 3)));
    mTable->setItem(r, gateColumn + 1, new QTableWidgetItem(
        std::isfinite(e.margin) ? QString::number(double(e.margin), 'f', 3) : tr("n/a")));
    auto* note = new QTableWidgetItem(changed ? tr("changed E%1 → E%2").arg(before).arg(first)
                                              : (r == 0 ? tr("first kept") : tr("same")));
    note->setData(Qt::UserRole, changed);
    mTable->setItem(r, gateColumn + 2, note);
    if (changed) {
      for (QTableWidgetItem* it : {step, note}) {
        it->setBackground(kChanged);
        it->setFont(bold);
      }
    }
  }
  // The changes by name in the title too: the table scrolls to the latest evaluations.
  constexpr int kNamed = 4;
  QString moved = tr("first choice never changed");
  if (!changes.isEmpty()) {
    const QStringList last = changes.mid(std::max<qsizetype>(0, changes.size() - kNamed));
    moved = tr("first choice changed at <span style='background:%1'>%2</span>")
                .arg(kChanged.name(), last.join(QStringLiteral(", ")));
    if (changes.size() > kNamed) moved += tr(" and %1 earlier time(s)").arg(changes.size() - kNamed);
  }
  const bool full = history->evaluations() >= history->depth();
  mTitle->setText(tr("<b>Routing across evaluations</b> of input #%1 (%n evaluation(s)%2): %3", nullptr,
                     int(entries.size()))
                      .arg(row)
                      .arg(full ? tr(", only the last %1 are kept").arg(history->depth())
                                : tr(", the last %1 are kept").arg(history->depth()))
                      .arg(moved));
  mTable->scrollToBottom();
}

}  // namespace moe::ui
