#pragma once
#include <optional>

#include <QElapsedTimer>
#include <QWidget>

#include "core/train/inspection.h"

class QLabel;
class QSpinBox;
class QTableWidget;

namespace moe::ui {

class CategoryBarChart;
class HeatmapWidget;
class SessionController;

/**
 * The view for ratings datasets: which genres each expert takes (genre x expert heatmap), and
 * for one user the experts their ratings go to and their top-N recommendations with the
 * predicted rating and every expert's gate. Recommendations are computed on the trainer
 * thread and follow the model after each evaluation.
 */
class RecommendPanel : public QWidget {
  Q_OBJECT

 public:
  explicit RecommendPanel(SessionController* controller, QWidget* parent = nullptr);

  /** Picks a user (dense index) and asks for their recommendations. */
  void setUser(int user);
  QSpinBox* userBox() const { return mUser; }
  QTableWidget* table() const { return mTable; }
  HeatmapWidget* heatmap() const { return mHeatmap; }
  CategoryBarChart* shareChart() const { return mShares; }
  const std::optional<core::UserRecommendations>& recommendations() const { return mResult; }

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  /// The session's task offers recommendations (a user's experts and top items).
  bool recommends() const;
  void request();
  void updateHeatmap();
  void display(const core::UserRecommendations& r);

  SessionController* mController;
  QSpinBox* mUser;
  QSpinBox* mCount;
  QLabel* mUserInfo;
  HeatmapWidget* mHeatmap;
  CategoryBarChart* mShares;
  QTableWidget* mTable;
  std::optional<core::UserRecommendations> mResult;
  QElapsedTimer mHeatmapClock;
  bool mStale = false;
};

}  // namespace moe::ui
