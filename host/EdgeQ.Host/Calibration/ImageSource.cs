using EdgeQ.Format;

namespace EdgeQ.Host.Calibration;

/// <summary>
/// The IMAGES argument of <c>edgeq pack</c> and <c>edgeq eval</c>: a folder of JPEG/PNG files, a text file listing
/// image paths, or an idx3 file of grey images; <see cref="Names"/> identify each sample (file name, or idx index) for
/// label lookup.
/// </summary>
public sealed record ImageSource(ICalibrationData Data, IReadOnlyList<string> Names)
{
    /// <param name="limit">At most this many, spread evenly over all (null: all).</param>
    /// <param name="idxRange">Idx only: the images to choose from (e.g. a calibration half); null: all.</param>
    public static ImageSource Open(string images, ImagePreprocessing preprocessing, int[] inputShape, int? limit = null, Range? idxRange = null)
    {
        if (IdxCalibrationData.IsIdxImages(images))
        {
            var (first, total) = (idxRange ?? Range.All).GetOffsetAndLength(IdxCalibrationData.ReadIdx(images, 0x803).Dimensions[0]);
            int count = Math.Min(limit ?? total, total);
            var indices = Enumerable.Range(0, count).Select(i => first + (int)((long)i * total / count)).ToList();
            var data = new IdxCalibrationData(images, inputShape, preprocessing.Mean[0], preprocessing.Std[0], indices);
            return new ImageSource(data, indices.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
        }
        var paths = ImageCalibrationData.FindImages(images, limit);
        return new ImageSource(new ImageCalibrationData(paths, preprocessing, inputShape), paths.Select(Path.GetFileName).ToList()!);
    }
}
