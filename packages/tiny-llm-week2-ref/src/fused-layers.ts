// Week 1's RMSNorm and RoPE, each run as one fused kernel of @tiny-llm/array's mx.fast
// (as MLX's mx.fast.rms_norm and mx.fast.rope): the same weights, tables and checks, one
// native call instead of six to ten ops. A decode step runs them four times per layer;
// at one token each op's fixed cost outweighs its arithmetic.
import * as mx from "@tiny-llm/array";
import { RMSNorm, RoPE } from "@tiny-llm/tiny-llm-week1-ref";

/** RMSNorm by mx.fast.rmsNorm.  x: N.. x D  ->  N.. x D */
export class FusedRMSNorm extends RMSNorm {
  override forward(x: mx.array): mx.array {
    return mx.fast.rmsNorm(x, this.weight, this.eps);
  }
}

/** RoPE by mx.fast.rope, on week 1's tables.  x: N.. x L x H x D (a strided view is fine)  ->  N.. x L x H x D */
export class FusedRoPE extends RoPE {
  override forward(x: mx.array, offset = 0): mx.array {
    const [cos, sin] = this.angles("RoPE.forward", x, offset);
    return mx.fast.rope(x, cos, sin, { traditional: this.traditional });
  }
}
