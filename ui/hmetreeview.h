#pragma once
#include <vector>

#include <QString>
#include <QWidget>

namespace moe::ui {

/**
 * Draws a hierarchical mixture's gating tree: gates as boxes, experts at the leaves in their
 * colours, each node with its share of the data (a bar and a percentage) and every edge as
 * thick as the share that flows down it. Nodes are breadth-first, as core::HmeShape numbers
 * them (root 0, children of n at n * B + 1 ... n * B + B).
 */
class HmeTreeView : public QWidget {
  Q_OBJECT

 public:
  explicit HmeTreeView(QWidget* parent = nullptr);

  /** The tree's shape; clears the shares. depth 0: no tree (the placeholder text shows). */
  void setTree(int depth, int branching);
  /** Each node's share (nodes() values in [0, 1]) and what they are the share of. */
  void setShares(const std::vector<float>& shares, const QString& caption);
  /** Text shown when there is no tree. */
  void setPlaceholder(const QString& text);

  int nodes() const;
  const std::vector<float>& shares() const { return mShares; }
  QString caption() const { return mCaption; }
  /** Node n's box in widget coordinates (its share's bar fills it from the left). */
  QRectF nodeBox(int node) const;

  QSize minimumSizeHint() const override { return {480, 320}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  int levelOf(int node) const;
  int indexInLevel(int node) const;

  int mDepth = 0;
  int mBranching = 2;
  std::vector<float> mShares;
  QString mCaption;
  QString mPlaceholder;
};

}  // namespace moe::ui
