import cv2

from tf_t2v.eval.training_curve import plot_curve, read_curve


def test_reads_minutes_from_eval_csv_and_plots(tmp_path):
    (tmp_path / "eval.csv").write_text(
        "step,epoch,minutes,shape,color,size,direction,speed,all,found\n"
        "100,1,1.5,0.5,0.6,0.7,0.8,0.9,0.2,1.0\n"
        "200,2,3.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0\n"
    )
    points = read_curve(str(tmp_path))
    assert [p["minutes"] for p in points] == [1.5, 3.0]
    assert points[0]["all"] == 0.2 and points[1]["step"] == 200
    path = str(tmp_path / "curve.png")
    plot_curve(points, path, "test run")
    image = cv2.imread(path)
    assert image.shape == (420, 720, 3)
    assert (image < 50).all(-1).sum() > 500  # the black "all" line and the axes are drawn
