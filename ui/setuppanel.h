#pragma once
#include <QWidget>

#include "core/data/dataset_table.h"
#include "core/train/config.h"
#include "core/train/memory_budget.h"
#include "ui/sessioncontroller.h"

class QComboBox;
class QDoubleSpinBox;
class QPushButton;
class QSpinBox;

namespace moe::ui {

class HmeOptionsBox;
class MemoryEstimateLabel;
class RoutingOptionsBox;
class DeepMoeBox;
class ToyDataBox;

/**
 * The run's settings: dataset, model preset, MoE settings, losses, optimizer. Apply rebuilds
 * the session; Restore defaults puts back the dataset's tuned settings. Learning rate, loss weights, capacity
 * factor and noise also change live while training.
 */
class SetupPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SetupPanel(QWidget* parent = nullptr);

  core::TrainConfig config() const;
  void setConfig(const core::TrainConfig& config);
  /** Adds (and selects) a dataset spec such as "idx:/path", "text-csv:/file" or
   *  "movielens:/dir". */
  void addDataset(const QString& spec);
  /** Asks for the file or folder of one of the dataset table's Open actions and adds its
   *  spec (the row that recognises the path, e.g. CIFAR-10 or IDX for an image folder). */
  void openDataset(const core::OpenAction& action);
  /** Loads the dataset's preset (core::presetFor) into the panel, keeping the machine
   *  settings (threads, backend, seed): what picking a dataset does. */
  void applyPreset(const QString& spec);
  QDoubleSpinBox* learningRateBox() const { return mLr; }
  /** Marks the settings as applied (the Apply button stops asking for attention). */
  void setApplied();
  /** The loaded data's shape, for the memory estimate shown before Apply. */
  void setDataShape(const core::DataShape& shape, const std::string& dataset);

 Q_SIGNALS:
  void applyRequested();
  void liveChanged(moe::ui::SessionController::Live which, double value);
  /** Something the user should read (a typed value refused, a dataset's settings loaded). */
  void notice(const QString& text);

 private:
  void datasetPicked();
  QDoubleSpinBox* liveBox(SessionController::Live which, double min, double max, int decimals,
                          double step);
  void markDirty();
  void updateEnabled();

  QComboBox* mDataset;
  QSpinBox* mMaxTrain;
  QComboBox* mModel;
  QSpinBox* mExperts;
  QComboBox* mRouter;
  QSpinBox* mTopK;
  QDoubleSpinBox* mCapacity;
  QSpinBox* mExpertWidth;
  QSpinBox* mShared;
  QSpinBox* mSplit;
  QSpinBox* mPatch;
  QDoubleSpinBox* mNoise;
  QDoubleSpinBox* mAux;
  QDoubleSpinBox* mZLoss;
  QDoubleSpinBox* mImportance;
  QDoubleSpinBox* mLoadWeight;
  QComboBox* mOptimizer;
  QDoubleSpinBox* mLr;
  QSpinBox* mBatch;
  QSpinBox* mEpochs;
  QSpinBox* mSeed;
  QSpinBox* mThreads;
  QComboBox* mBackend;
  RoutingOptionsBox* mRouting;
  HmeOptionsBox* mHme;
  DeepMoeBox* mDeep;
  ToyDataBox* mToy;
  QPushButton* mApply;
  QPushButton* mDefaults;
  MemoryEstimateLabel* mMemory;
  core::TrainConfig mBase;  // fields the panel does not show survive a round trip
  bool mLoading = false;
};

}  // namespace moe::ui
