#include "ui/experimentspanel.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/sweep/baselines.h"
#include "ui/experimentplots.h"
#include "ui/plotview.h"
#include "ui/sessioncontroller.h"
#include "ui/sweepjob.h"

namespace moe::ui {

namespace {

using ojson = nlohmann::ordered_json;

/** Sorts by the number in UserRole, not by the text shown. */
class NumberItem : public QTableWidgetItem {
 public:
  explicit NumberItem(double v, int decimals) {
    setData(Qt::DisplayRole, std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', decimals));
    setData(Qt::UserRole, v);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& o) const override {
    return data(Qt::UserRole).toDouble() < o.data(Qt::UserRole).toDouble();
  }
};

/** The settings one may vary from the tab (any config key works in a spec file). */
const QStringList kVaryKeys = {QStringLiteral("experts"),        QStringLiteral("top_k"),
                               QStringLiteral("expert_hidden"),  QStringLiteral("capacity_factor"),
                               QStringLiteral("router"),         QStringLiteral("lr"),
                               QStringLiteral("aux_weight"),     QStringLiteral("epochs"),
                               QStringLiteral("batch_size")};

ojson parseValue(const QString& text) {
  bool ok = false;
  const qlonglong i = text.toLongLong(&ok);
  if (ok) return ojson(i);
  const double d = text.toDouble(&ok);
  if (ok) return ojson(d);
  return ojson(text.toStdString());
}

struct Column {
  const char* key;
  const char* label;
  int decimals;
  double scale;
};
const Column kMetricColumns[] = {
    {"test_accuracy", "test accuracy", 4, 1.0},     {"test_loss", "test loss", 4, 1.0},
    {"params_total", "params total", 0, 1.0},       {"params_active_per_input", "active params", 0, 1.0},
    {"inference_flops_per_sample", "inference MFLOPs", 3, 1e-6},
    {"train_flops_per_sample", "training MFLOPs", 3, 1e-6},
    {"train_seconds", "train s", 1, 1.0},           {"load_cv", "load CV", 3, 1.0},
    {"dead_experts", "dead", 0, 1.0}};

}  // namespace

ExperimentsPanel::ExperimentsPanel(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  auto* build = new QGroupBox(tr("A sweep from the current setup: what varies"), this);
  auto* form = new QGridLayout(build);
  for (int r = 0; r < 2; ++r) {
    mKey[r] = new QComboBox(build);
    mKey[r]->addItem(tr("(nothing)"), QString());
    for (const QString& k : kVaryKeys) mKey[r]->addItem(k, k);
    mValues[r] = new QLineEdit(build);
    mValues[r]->setPlaceholderText(tr("values, comma-separated: 4, 8"));
    form->addWidget(new QLabel(r == 0 ? tr("Vary") : tr("and"), build), r, 0);
    form->addWidget(mKey[r], r, 1);
    form->addWidget(mValues[r], r, 2, 1, 3);
  }
  mSeeds = new QLineEdit(QStringLiteral("0"), build);
  form->addWidget(new QLabel(tr("Seeds"), build), 2, 0);
  form->addWidget(mSeeds, 2, 1);
  // Three to a row: six in one row made this tab, and so the whole window, 1719 px wide at its
  // smallest (wider than a 1600 px screen, and no presentation mode at 1280 x 720).
  auto* baselines = new QGridLayout;
  baselines->setContentsMargins(0, 0, 0, 0);
  for (core::Baseline b : core::allBaselines()) {
    auto* box = new QCheckBox(QString::fromLatin1(core::baselineName(b)), build);
    box->setToolTip(tr("Trained through the same engine, on the same data and epochs "
                       "(docs/EXPERIMENTS.md, \"Baselines\")"));
    baselines->addWidget(box, int(mBaselines.size()) / 3, int(mBaselines.size()) % 3);
    mBaselines.push_back(box);
  }
  form->addWidget(new QLabel(tr("Baselines"), build), 3, 0);
  form->addLayout(baselines, 3, 1, 1, 4);
  mDir = new QLineEdit(QDir(QDir::tempPath()).filePath(
                           QStringLiteral("moe-sweep-") +
                           QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))),
                       build);
  mDir->setToolTip(tr("Results and each run's history go here; an earlier sweep's folder resumes"));
  form->addWidget(new QLabel(tr("Folder"), build), 4, 0);
  form->addWidget(mDir, 4, 1, 1, 2);
  mRun = new QPushButton(tr("Run sweep"), build);
  mStop = new QPushButton(tr("Stop"), build);
  mStop->setEnabled(false);
  form->addWidget(mRun, 4, 3);
  form->addWidget(mStop, 4, 4);
  mStatus = new QLabel(tr("Choose what varies, then Run sweep."), this);
  mStatus->setWordWrap(true);

  mQueue = new QTableWidget(0, 3, this);
  mQueue->setHorizontalHeaderLabels({tr("Run"), tr("Status"), tr("Progress")});
  mQueue->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  mQueue->verticalHeader()->hide();
  mQueue->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mResults = new QTableWidget(0, 0, this);
  mResults->verticalHeader()->hide();
  mResults->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mResults->setSelectionBehavior(QAbstractItemView::SelectRows);
  mResults->setSortingEnabled(true);
  mResults->setToolTip(tr("Click a header to sort; select runs to overlay their curves"));
  auto* exportCsvButton = new QPushButton(tr("Export table (CSV)…"), this);
  auto* exportPlotsButton = new QPushButton(tr("Export plots (PNG, PDF)…"), this);
  mOpenRun = new QPushButton(tr("Open run in the window"), this);
  mOpenRun->setToolTip(tr("Its curves in the Training tab, from its history file (or double-click a run)"));
  mOpenRun->setEnabled(false);
  auto* exports = new QHBoxLayout;
  exports->addWidget(mOpenRun);
  exports->addStretch(1);
  exports->addWidget(exportCsvButton);
  exports->addWidget(exportPlotsButton);
  mPlots = new ExperimentPlots(this);

  auto* left = new QWidget(this);
  auto* leftBox = new QVBoxLayout(left);
  leftBox->setContentsMargins(0, 0, 0, 0);
  leftBox->addWidget(build);
  leftBox->addWidget(mStatus);
  leftBox->addWidget(mQueue, 1);
  leftBox->addWidget(mResults, 2);
  leftBox->addLayout(exports);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(mPlots);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split);

  connect(mRun, &QPushButton::clicked, this, &ExperimentsPanel::startSweep);
  connect(mStop, &QPushButton::clicked, this, &ExperimentsPanel::stopSweep);
  connect(mResults, &QTableWidget::itemSelectionChanged, this, &ExperimentsPanel::updateOverlay);
  connect(mResults, &QTableWidget::itemDoubleClicked, this,
          [this](QTableWidgetItem* item) { openRun(item->row()); });
  connect(mOpenRun, &QPushButton::clicked, this, [this] {
    const auto rows = mResults->selectionModel()->selectedRows();
    if (!rows.isEmpty()) openRun(rows.first().row());
  });
  connect(exportCsvButton, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export results"), mDir->text() + QStringLiteral("/results-table.csv"),
                                                      tr("CSV (*.csv)"));
    if (!path.isEmpty() && !exportCsv(path)) mStatus->setText(tr("Could not write %1").arg(path));
  });
  connect(exportPlotsButton, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export plots to"), mDir->text());
    if (!dir.isEmpty()) mStatus->setText(tr("Wrote %1 files to %2").arg(exportPlots(dir).size()).arg(dir));
  });
}

ExperimentsPanel::~ExperimentsPanel() = default;

void ExperimentsPanel::setVaried(int row, const QString& key, const QString& values) {
  if (row < 0 || row > 1) return;
  mKey[row]->setCurrentIndex(std::max(0, mKey[row]->findData(key)));
  mValues[row]->setText(values);
}

void ExperimentsPanel::setSeeds(const QString& seeds) { mSeeds->setText(seeds); }

void ExperimentsPanel::setBaselines(const QStringList& names) {
  for (QCheckBox* box : mBaselines) box->setChecked(names.contains(box->text()));
}

void ExperimentsPanel::setOutputDir(const QString& dir) { mDir->setText(dir); }

bool ExperimentsPanel::running() const { return mJob && mJob->running(); }

nlohmann::ordered_json ExperimentsPanel::spec() const {
  nlohmann::json base;
  core::to_json(base, mController->config());
  ojson spec;
  spec["base"] = ojson::parse(base.dump());
  ojson grid = ojson::object();
  for (int r = 0; r < 2; ++r) {
    const QString key = mKey[r]->currentData().toString();
    if (key.isEmpty()) continue;
    ojson values = ojson::array();
    for (const QString& v : mValues[r]->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
      values.push_back(parseValue(v.trimmed()));
    if (values.empty()) throw core::SweepError(key.toStdString() + ": give at least one value");
    grid[key.toStdString()] = values;
  }
  if (!grid.empty()) spec["grid"] = grid;
  ojson seeds = ojson::array();
  for (const QString& s : mSeeds->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qulonglong seed = s.trimmed().toULongLong(&ok);
    if (!ok) throw core::SweepError("seeds: '" + s.trimmed().toStdString() + "' is not a whole number >= 0");
    seeds.push_back(seed);
  }
  if (!seeds.empty()) spec["seeds"] = seeds;
  ojson baselines = ojson::array();
  for (QCheckBox* box : mBaselines)
    if (box->isChecked()) baselines.push_back(box->text().toStdString());
  if (!baselines.empty()) spec["baselines"] = baselines;
  return spec;
}

bool ExperimentsPanel::startSweep() {
  if (running()) return false;
  try {
    core::SweepSpec parsed = core::parseSweepSpec(spec());
    mJob = std::make_unique<SweepJob>(std::move(parsed), mDir->text());
  } catch (const std::exception& e) {
    mStatus->setText(tr("Cannot run this sweep: %1").arg(QString::fromUtf8(e.what())));
    return false;
  }
  const core::SweepRunner& runner = mJob->runner();
  mQueue->setRowCount(int(runner.spec().runs.size()));
  for (int i = 0; i < mQueue->rowCount(); ++i) {
    const bool done = runner.isFinished(std::size_t(i));
    mQueue->setItem(i, 0, new QTableWidgetItem(QString::fromStdString(runner.spec().runs[std::size_t(i)].id)));
    mQueue->setItem(i, 1, new QTableWidgetItem(done ? tr("done (kept)") : tr("waiting")));
    auto* bar = new QProgressBar(mQueue);
    bar->setRange(0, 1000);
    bar->setValue(done ? 1000 : 0);
    mQueue->setCellWidget(i, 2, bar);
  }
  auto setStatus = [this](int run, const QString& text, double fraction) {
    if (auto* item = mQueue->item(run, 1)) item->setText(text);
    if (auto* bar = qobject_cast<QProgressBar*>(mQueue->cellWidget(run, 2))) bar->setValue(int(fraction * 1000));
  };
  connect(mJob.get(), &SweepJob::runStarted, this, [setStatus](int run) { setStatus(run, tr("training"), 0.0); });
  connect(mJob.get(), &SweepJob::runProgress, this,
          [setStatus](int run, double f) { setStatus(run, tr("training"), f); });
  connect(mJob.get(), &SweepJob::runFinished, this, [this, setStatus](int run) {
    setStatus(run, tr("done"), 1.0);
    refreshResults();
  });
  connect(mJob.get(), &SweepJob::finished, this, [this](bool ok, const QString& error) {
    refreshResults();
    mRun->setEnabled(true);
    mStop->setEnabled(false);
    mStatus->setText(ok ? tr("Sweep finished: %1 runs in %2").arg(mRows.size()).arg(mDir->text())
                        : error.isEmpty() ? tr("Sweep stopped: finished runs are kept; Run sweep resumes")
                                          : tr("Sweep failed: %1").arg(error));
    Q_EMIT sweepFinished(ok);
  });
  mRun->setEnabled(false);
  mStop->setEnabled(true);
  mStatus->setText(tr("Training %1 runs (%2 pending) into %3")
                       .arg(runner.spec().runs.size()).arg(runner.pendingCount()).arg(mDir->text()));
  refreshResults();
  mJob->start();
  return true;
}

void ExperimentsPanel::stopSweep() {
  if (mJob) mJob->stop();
}

void ExperimentsPanel::refreshResults() {
  if (!mJob) return;
  mRows = mJob->runner().rows();
  const core::SweepSpec& spec = mJob->runner().spec();
  QStringList headers{tr("run")};
  std::vector<std::string> varied;
  for (const std::string& k : spec.varied)
    if (k != "seed") varied.push_back(k);
  for (const std::string& k : varied) headers << QString::fromStdString(k);
  for (const Column& c : kMetricColumns) headers << tr(c.label);
  mResults->setSortingEnabled(false);
  mResults->clear();
  mResults->setColumnCount(int(headers.size()));
  mResults->setHorizontalHeaderLabels(headers);
  mResults->setRowCount(int(mRows.size()));
  for (int r = 0; r < int(mRows.size()); ++r) {
    const core::SweepRow& row = mRows[std::size_t(r)];
    auto* id = new QTableWidgetItem(QString::fromStdString(row.value("run", "")));
    id->setData(Qt::UserRole, r);
    mResults->setItem(r, 0, id);
    int col = 1;
    for (const std::string& k : varied) {
      const auto it = row.find(k);
      const QString text = it == row.end() || it->is_null() ? QString()
                           : it->is_string() ? QString::fromStdString(it->get<std::string>())
                                             : QString::fromStdString(it->dump());
      mResults->setItem(r, col++, it != row.end() && it->is_number() ? new NumberItem(it->get<double>(), 0)
                                                                     : new QTableWidgetItem(text));
    }
    for (const Column& c : kMetricColumns) {
      const auto it = row.find(c.key);
      const double v = it != row.end() && it->is_number() ? it->get<double>() * c.scale : std::nan("");
      mResults->setItem(r, col++, new NumberItem(v, c.decimals));
    }
  }
  mResults->setSortingEnabled(true);
  mResults->resizeColumnsToContents();
  mPlots->setRows(mRows);
}

void ExperimentsPanel::updateOverlay() {
  std::vector<core::SweepRow> chosen;
  for (QTableWidgetItem* item : mResults->selectedItems())
    if (item->column() == 0) {
      const int r = item->data(Qt::UserRole).toInt();
      if (r >= 0 && r < int(mRows.size())) chosen.push_back(mRows[std::size_t(r)]);
    }
  mPlots->setOverlay(chosen, mDir->text());
  mOpenRun->setEnabled(chosen.size() == 1);
}

bool ExperimentsPanel::openRun(int tableRow) {
  const QTableWidgetItem* id = mResults->item(tableRow, 0);
  const int r = id ? id->data(Qt::UserRole).toInt() : -1;
  if (r < 0 || r >= int(mRows.size())) return false;
  const auto h = mRows[std::size_t(r)].find("history");
  if (h == mRows[std::size_t(r)].end() || !h->is_string()) return false;
  const QString path = QDir(mDir->text()).filePath(QString::fromStdString(h->get<std::string>()));
  mController->openRunHistory(path);
  Q_EMIT runOpened(path);
  return true;
}

bool ExperimentsPanel::exportCsv(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
  const std::string csv = core::sweepCsv(mRows);
  return f.write(csv.data(), qint64(csv.size())) == qint64(csv.size());
}

QStringList ExperimentsPanel::exportPlots(const QString& dir) {
  QStringList written;
  QDir().mkpath(dir);
  for (PlotView* p : mPlots->plots())
    for (const char* suffix : {"png", "pdf"}) {
      const QString path = QDir(dir).filePath(p->slug() + QLatin1Char('.') + QLatin1String(suffix));
      if (p->exportTo(path)) written << path;
    }
  return written;
}

}  // namespace moe::ui
