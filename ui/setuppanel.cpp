#include "ui/setuppanel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/data/dataset_table.h"
#include "core/routing/router_registry.h"
#include "core/task/registry.h"
#include "core/train/presets.h"
#include "ui/datalabels.h"
#include "ui/hmeoptionsbox.h"
#include "ui/deepmoebox.h"
#include "ui/hoverhelp.h"
#include "ui/memoryestimatelabel.h"
#include "ui/rangedspinbox.h"
#include "ui/routingoptionsbox.h"
#include "ui/toydatabox.h"

namespace moe::ui {

namespace {

QSpinBox* intBox(QWidget* parent, int min, int max, const QString& special = {}) {
  auto* box = new RangedSpinBox(parent);
  box->setRange(min, max);
  if (!special.isEmpty()) box->setSpecialValueText(special);
  return box;
}

void selectData(QComboBox* combo, const QVariant& value) {
  const int i = combo->findData(value);
  if (i >= 0) combo->setCurrentIndex(i);
}

// The task that trains on a spec's data, from the dataset table (image classification for
// specs the table does not know: loading them will say what is wrong).
const core::TaskInfo& taskOf(const QString& spec) {
  const core::DatasetEntry* entry = core::findDataset(spec.toStdString());
  return entry ? core::taskNamed(entry->task) : core::imageClassificationTask();
}

}  // namespace

SetupPanel::SetupPanel(QWidget* parent) : QWidget(parent) {
  using Live = SessionController::Live;
  auto* data = new QGroupBox(tr("Data"), this);
  auto* dataForm = new QFormLayout(data);
  mDataset = new QComboBox(data);
  mDataset->setObjectName(QStringLiteral("dataset"));
  for (const core::DatasetEntry& e : core::datasetTable())
    if (e.label) mDataset->addItem(QString::fromUtf8(e.label), QString::fromUtf8(e.kind));
  mDataset->setToolTip(tr("Picking a dataset loads its tuned defaults. MovieLens needs "
                          "scripts/export_movielens.sh (or Open… a GroupLens folder)."));
  auto* open = new QPushButton(tr("Open…"), data);
  auto* openMenu = new QMenu(open);
  for (const core::OpenAction* action : core::openActions()) {
    QString label = QString::fromUtf8(action->label);
    label[0] = label[0].toUpper();
    openMenu->addAction(label + QStringLiteral("…"), this, [this, action] { openDataset(*action); });
  }
  open->setMenu(openMenu);
  auto* dataRow = new QHBoxLayout;
  dataRow->addWidget(mDataset, 1);
  dataRow->addWidget(open);
  dataForm->addRow(tr("Dataset"), dataRow);
  mMaxTrain = intBox(data, 0, 10'000'000, tr("all"));
  mMaxTrain->setSingleStep(1000);
  mMaxTrain->setToolTip(tr("Train on a random subset of this many inputs (faster epochs)"));
  dataForm->addRow(tr("Train subset"), mMaxTrain);

  auto* model = new QGroupBox(tr("Model"), this);
  auto* modelForm = new QFormLayout(model);
  mModel = new QComboBox(model);
  mModel->setObjectName(QStringLiteral("modelPreset"));
  for (auto k : {core::ModelKind::MoeClassifier, core::ModelKind::StemMoe, core::ModelKind::DenseMlp,
                 core::ModelKind::PatchMoe, core::ModelKind::Hme, core::ModelKind::DeepMoe})
    mModel->addItem(QString::fromLatin1(core::modelName(k)), int(k));
  mModel->setItemText(0, tr("MoE classifier (experts see pixels)"));
  mModel->setItemText(1, tr("Stem + MoE + head"));
  mModel->setItemText(2, tr("Dense MLP baseline"));
  mModel->setItemText(3, tr("Patch tokens, MoE per patch (V-MoE)"));
  mModel->setItemText(4, tr("Tree of gates, experts at the leaves (HME)"));
  mModel->setItemText(5, tr("Deep MoE: stacked MoE layers (Eigen et al.)"));
  modelForm->addRow(tr("Preset"), mModel);
  mExperts = intBox(model, 1, 256);
  mExperts->setObjectName(QStringLiteral("experts"));
  modelForm->addRow(tr("Experts"), mExperts);
  mRouter = new QComboBox(model);
  for (const core::RouterEntry& r : core::routerRegistry()) {
    mRouter->addItem(QString::fromLatin1(r.info.name), QString::fromLatin1(r.info.name));
    mRouter->setItemData(mRouter->count() - 1, QString::fromLatin1(r.info.description),
                         Qt::ToolTipRole);
  }
  modelForm->addRow(tr("Router"), mRouter);
  mTopK = intBox(model, 1, 256);
  modelForm->addRow(tr("Top-k"), mTopK);
  // Every range is the one TrainConfig::validate accepts: what a config file asks for is shown.
  mCapacity = liveBox(Live::CapacityFactor, 0.01, 64.0, 2, 0.05);
  modelForm->addRow(tr("Capacity factor ⚡"), mCapacity);
  mExpertWidth = intBox(model, 0, 16384, tr("linear"));
  mExpertWidth->setSingleStep(32);
  modelForm->addRow(tr("Expert width"), mExpertWidth);
  mShared = intBox(model, 0, 64, tr("none"));
  mShared->setToolTip(tr("Always-on experts every input goes through, added to the routed "
                         "experts' output (DeepSeekMoE)"));
  modelForm->addRow(tr("Shared experts"), mShared);
  mSplit = intBox(model, 1, 64);
  mSplit->setToolTip(tr("Fine-grained experts (DeepSeekMoE): each expert split M ways, M times "
                        "as many experts of 1/M the width, M times k chosen"));
  modelForm->addRow(tr("Expert split"), mSplit);
  mPatch = intBox(model, 1, 64);
  mPatch->setToolTip(tr("Patch model: side of a square patch in pixels; it must divide the "
                        "image's width and height"));
  modelForm->addRow(tr("Patch size"), mPatch);
  mNoise = liveBox(Live::NoiseScale, 0.0, 100.0, 2, 0.1);
  modelForm->addRow(tr("Gate noise ⚡"), mNoise);

  auto* loss = new QGroupBox(tr("Auxiliary losses"), this);
  auto* lossForm = new QFormLayout(loss);
  mAux = liveBox(Live::AuxWeight, 0.0, 1000.0, 4, 0.005);
  lossForm->addRow(tr("Switch balance ⚡"), mAux);
  mZLoss = liveBox(Live::ZLossWeight, 0.0, 1000.0, 4, 0.001);
  lossForm->addRow(tr("Router z-loss ⚡"), mZLoss);
  mImportance = new RangedDoubleSpinBox(loss);
  mImportance->setRange(0, 1000);
  mImportance->setDecimals(4);
  mImportance->setSingleStep(0.01);
  lossForm->addRow(tr("Importance CV²"), mImportance);
  mLoadWeight = new RangedDoubleSpinBox(loss);
  mLoadWeight->setRange(0, 1000);
  mLoadWeight->setDecimals(4);
  mLoadWeight->setSingleStep(0.01);
  lossForm->addRow(tr("Load CV²"), mLoadWeight);

  mRouting = new RoutingOptionsBox(this);
  connect(mRouting, &RoutingOptionsBox::changed, this, [this] { markDirty(); });
  mHme = new HmeOptionsBox(this);
  connect(mHme, &HmeOptionsBox::changed, this, [this] { markDirty(); });
  mDeep = new DeepMoeBox(this);
  connect(mDeep, &DeepMoeBox::changed, this, [this] { markDirty(); });
  mToy = new ToyDataBox(this);
  connect(mToy, &ToyDataBox::changed, this, [this] { markDirty(); });

  auto* optim = new QGroupBox(tr("Training"), this);
  auto* optimForm = new QFormLayout(optim);
  mOptimizer = new QComboBox(optim);
  for (auto k : {core::OptimizerKind::Sgd, core::OptimizerKind::Adam, core::OptimizerKind::AdamW})
    mOptimizer->addItem(QString::fromLatin1(core::optimizerName(k)), int(k));
  optimForm->addRow(tr("Optimizer"), mOptimizer);
  mLr = liveBox(Live::LearningRate, 1e-6, 10.0, 5, 1e-4);
  mLr->setObjectName(QStringLiteral("learningRate"));
  optimForm->addRow(tr("Learning rate ⚡"), mLr);
  mBatch = intBox(optim, 1, 65536);
  optimForm->addRow(tr("Batch size"), mBatch);
  mEpochs = intBox(optim, 1, 100000);
  optimForm->addRow(tr("Epochs"), mEpochs);
  mSeed = intBox(optim, 0, 2'000'000'000);
  optimForm->addRow(tr("Seed"), mSeed);
  mThreads = intBox(optim, 0, 1024, tr("all cores"));
  mThreads->setToolTip(tr("CPU threads for the trainer; leave one core for the window"));
  optimForm->addRow(tr("Threads"), mThreads);
  mBackend = new QComboBox(optim);
  mBackend->addItem(tr("CPU"), QStringLiteral("cpu"));
  mBackend->addItem(tr("OpenCL (falls back to CPU)"), QStringLiteral("opencl"));
  optimForm->addRow(tr("Backend"), mBackend);

  mApply = new QPushButton(tr("Apply"), this);
  mApply->setToolTip(tr("Rebuild the model with these settings (Ctrl+Return)"));
  mApply->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  // One Reset (the toolbar's, Ctrl+R) restarts the run; this button restores the settings.
  mDefaults = new QPushButton(tr("Restore defaults"), this);
  mDefaults->setObjectName(QStringLiteral("restoreDefaults"));
  mDefaults->setToolTip(tr("Put back the tuned settings of the chosen dataset (threads, backend "
                           "and seed stay); Apply then builds the model with them"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(mApply);
  buttons->addWidget(mDefaults);

  auto* layout = new QVBoxLayout(this);
  for (QWidget* w : {static_cast<QWidget*>(data), static_cast<QWidget*>(mToy), static_cast<QWidget*>(model),
                     static_cast<QWidget*>(mHme), static_cast<QWidget*>(mDeep), static_cast<QWidget*>(loss), static_cast<QWidget*>(mRouting),
                    static_cast<QWidget*>(optim)})
    layout->addWidget(w);
  mMemory = new MemoryEstimateLabel(this);
  layout->addWidget(mMemory);
  layout->addLayout(buttons);
  auto* hint = new QLabel(tr("⚡ changes live while training"), this);
  hint->setEnabled(false);
  layout->addWidget(hint);
  layout->addStretch(1);

  connect(mApply, &QPushButton::clicked, this, &SetupPanel::applyRequested);
  connect(mDefaults, &QPushButton::clicked, this, [this] {
    applyPreset(mDataset->currentData().toString());
    Q_EMIT notice(tr("The default settings of %1 are back: press Apply (Ctrl+Return) to build the "
                     "model with them.").arg(mDataset->currentText()));
  });
  connect(mDataset, &QComboBox::currentIndexChanged, this, &SetupPanel::datasetPicked);
  for (QComboBox* c : {mDataset, mModel, mRouter, mOptimizer, mBackend})
    connect(c, &QComboBox::currentIndexChanged, this, [this] { markDirty(); updateEnabled(); });
  for (QSpinBox* s : {mMaxTrain, mExperts, mTopK, mExpertWidth, mShared, mSplit, mPatch, mBatch,
                      mEpochs, mSeed, mThreads})
    connect(s, &QSpinBox::valueChanged, this, [this] { markDirty(); updateEnabled(); });
  for (QDoubleSpinBox* s : {mImportance, mLoadWeight})
    connect(s, &QDoubleSpinBox::valueChanged, this, [this] { markDirty(); });
  // A typed value a box refuses (out of its range) is said aloud, never dropped silently.
  for (auto* b : findChildren<RangedSpinBox*>()) connect(b, &RangedSpinBox::refused, this, &SetupPanel::notice);
  for (auto* b : findChildren<RangedDoubleSpinBox*>()) connect(b, &RangedDoubleSpinBox::refused, this, &SetupPanel::notice);
  addSettingHelp(this);
  setConfig(core::TrainConfig{});
}

QDoubleSpinBox* SetupPanel::liveBox(SessionController::Live which, double min, double max,
                                    int decimals, double step) {
  auto* box = new RangedDoubleSpinBox(this);
  box->setRange(min, max);
  box->setDecimals(decimals);
  box->setSingleStep(step);
  box->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
  box->setKeyboardTracking(false);  // apply when the user is done typing
  connect(box, &QDoubleSpinBox::valueChanged, this, [this, which](double v) {
    if (!mLoading) Q_EMIT liveChanged(which, v);
  });
  return box;
}

void SetupPanel::setDataShape(const core::DataShape& shape, const std::string& dataset) {
  mMemory->setData(shape, dataset);
  mMemory->showEstimate(config());
}

void SetupPanel::markDirty() {
  if (mLoading) return;
  mMemory->showEstimate(config());
  mApply->setText(tr("Apply *"));
  QFont f = mApply->font();
  f.setBold(true);
  mApply->setFont(f);
}

void SetupPanel::setApplied() {
  mApply->setText(tr("Apply"));
  QFont f = mApply->font();
  f.setBold(false);
  mApply->setFont(f);
}

void SetupPanel::updateEnabled() {
  const core::RouterInfo& router =
      core::findRouter(mRouter->currentData().toString().toStdString()).info;
  // Text and ratings have one model each (the dataset picks it); the preset is for images.
  const bool choice = taskOf(mDataset->currentData().toString()).modelChoice;
  mModel->setEnabled(choice);
  if (!choice && mModel->currentIndex() >= 0) {
    mModel->setPlaceholderText(tr("Set by the dataset (%1)").arg(QString::fromUtf8(
        taskOf(mDataset->currentData().toString()).description).replace(QStringLiteral("->"), QStringLiteral("→"))));
    const QSignalBlocker block(mModel);
    mModel->setCurrentIndex(-1);
  } else if (choice && mModel->currentIndex() < 0) {
    const QSignalBlocker block(mModel);
    selectData(mModel, int(mBase.model.kind));
  }
  mModel->setToolTip(choice ? settingHelp(QStringLiteral("Preset"))
                            : tr("Text: n-gram embeddings → MoE per token → language. Ratings: "
                                 "user and item embeddings → MoE → rating. Chosen by the dataset."));
  const auto kind = core::ModelKind(mModel->currentData().toInt());
  const bool hme = choice && kind == core::ModelKind::Hme;
  const bool moe = !choice || (kind != core::ModelKind::DenseMlp && !hme);
  mHme->updateEnabled(hme, mExpertWidth->value() == 0);
  for (QWidget* w : {static_cast<QWidget*>(mExperts), static_cast<QWidget*>(mRouter),
                     static_cast<QWidget*>(mTopK), static_cast<QWidget*>(mCapacity),
                     static_cast<QWidget*>(mNoise), static_cast<QWidget*>(mAux),
                     static_cast<QWidget*>(mZLoss), static_cast<QWidget*>(mShared),
                     static_cast<QWidget*>(mSplit)})
    w->setEnabled(moe);
  mPatch->setEnabled(choice &&
                     core::ModelKind(mModel->currentData().toInt()) == core::ModelKind::PatchMoe);
  // Only the settings the chosen router reads (its registry entry) are enabled.
  mTopK->setEnabled(moe && router.reads(core::RouterSetting::TopK));
  mCapacity->setEnabled(moe && router.reads(core::RouterSetting::CapacityFactor));
  mNoise->setEnabled(moe && router.reads(core::RouterSetting::NoiseScale));
  mRouting->updateEnabled(router, moe);
  mDeep->updateEnabled(choice && core::ModelKind(mModel->currentData().toInt()) == core::ModelKind::DeepMoe);
  mToy->showFor(mDataset->currentData().toString());
}

void SetupPanel::addDataset(const QString& spec) {
  int i = mDataset->findData(spec);
  if (i < 0) {
    mDataset->addItem(datasetLabel(spec), spec);
    i = mDataset->count() - 1;
  }
  mDataset->setCurrentIndex(i);
}

void SetupPanel::openDataset(const core::OpenAction& action) {
  QSettings settings;
  const QString key = QStringLiteral("paths/open/") + QString::fromUtf8(action.label);
  const QString start = settings.value(key).toString();
  const QString title = QString::fromUtf8(action.title);
  const QString path = action.file ? QFileDialog::getOpenFileName(this, title, start,
                                                                  QString::fromUtf8(action.filter))
                                   : QFileDialog::getExistingDirectory(this, title, start);
  if (path.isEmpty()) return;
  settings.setValue(key, path);
  addDataset(QString::fromStdString(core::specForOpened(action, path.toStdString())));
}

void SetupPanel::datasetPicked() {
  if (mLoading) return;
  applyPreset(mDataset->currentData().toString());
  Q_EMIT notice(tr("%1 picked: its tuned settings are loaded into Setup. The model still trains on "
                   "the old data until you press Apply (Ctrl+Return).").arg(mDataset->currentText()));
}

void SetupPanel::applyPreset(const QString& spec) {
  const core::TrainConfig current = config();
  core::TrainConfig preset = core::presetFor(spec.toStdString());
  preset.threads = current.threads;
  preset.backend = current.backend;
  preset.seed = current.seed;
  preset.dataDir = current.dataDir;
  // Image runs explore until paused; text and ratings stop where their presets stop overfitting.
  if (taskOf(spec).exploresUntilPaused) preset.epochs = std::max(current.epochs, 20);
  setConfig(preset);
  markDirty();
}

core::TrainConfig SetupPanel::config() const {
  core::TrainConfig c = mBase;
  c.dataset = mDataset->currentData().toString().toStdString();
  c.maxTrain = mMaxTrain->value();
  if (mModel->currentIndex() >= 0) c.model.kind = core::ModelKind(mModel->currentData().toInt());
  c.model.experts = mExperts->value();
  c.model.router = mRouter->currentData().toString().toStdString();
  // A router that does not read k gets as many as it uses (1 for Switch).
  c.model.topK = core::findRouter(c.model.router).info.reads(core::RouterSetting::TopK)
                     ? mTopK->value()
                     : std::min(mTopK->value(), core::expertsPerRow(c.model.router, mTopK->value(),
                                                                    c.model.experts));
  c.model.capacityFactor = mCapacity->value();
  c.model.expertHidden = mExpertWidth->value();
  c.model.sharedExperts = mShared->value();
  c.model.expertSplit = mSplit->value();
  c.model.patchSize = mPatch->value();
  c.model.noiseScale = mNoise->value();
  c.loss.auxWeight = mAux->value();
  c.loss.zLossWeight = mZLoss->value();
  c.loss.importanceWeight = mImportance->value();
  c.loss.loadWeight = mLoadWeight->value();
  c.optim.kind = core::OptimizerKind(mOptimizer->currentData().toInt());
  c.optim.lr = mLr->value();
  c.batchSize = mBatch->value();
  c.epochs = mEpochs->value();
  c.seed = std::uint64_t(mSeed->value());
  c.threads = mThreads->value();
  c.backend = mBackend->currentData().toString().toStdString();
  mRouting->apply(c);
  mHme->apply(c);
  mDeep->apply(c);
  mToy->apply(c);
  return c;
}

void SetupPanel::setConfig(const core::TrainConfig& c) {
  mLoading = true;
  mBase = c;
  addDataset(QString::fromStdString(c.dataset));
  mMaxTrain->setValue(c.maxTrain);
  selectData(mModel, int(c.model.kind));
  mExperts->setValue(c.model.experts);
  selectData(mRouter, QString::fromStdString(c.model.router));
  mTopK->setValue(c.model.topK);
  mCapacity->setValue(c.model.capacityFactor);
  mExpertWidth->setValue(c.model.expertHidden);
  mShared->setValue(c.model.sharedExperts);
  mSplit->setValue(c.model.expertSplit);
  mPatch->setValue(c.model.patchSize);
  mNoise->setValue(c.model.noiseScale);
  mAux->setValue(c.loss.auxWeight);
  mZLoss->setValue(c.loss.zLossWeight);
  mImportance->setValue(c.loss.importanceWeight);
  mLoadWeight->setValue(c.loss.loadWeight);
  mRouting->setConfig(c);
  mHme->setConfig(c);
  mDeep->setConfig(c);
  mToy->setConfig(c);
  selectData(mOptimizer, int(c.optim.kind));
  mLr->setValue(c.optim.lr);
  mBatch->setValue(c.batchSize);
  mEpochs->setValue(c.epochs);
  mSeed->setValue(int(c.seed));
  mThreads->setValue(c.threads);
  const int b = mBackend->findData(QString::fromStdString(c.backend));
  if (b < 0) mBackend->addItem(QString::fromStdString(c.backend), QString::fromStdString(c.backend));
  selectData(mBackend, QString::fromStdString(c.backend));
  mLoading = false;
  updateEnabled();
  setApplied();
  mMemory->showEstimate(config());
}

}  // namespace moe::ui
